import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { graphQLError, GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { AuthException, AuthExceptionCode } from './auth.exception.js';

const codes: Record<AuthExceptionCode, GraphQLErrorCode> = {
  [AuthExceptionCode.MissingToken]: GraphQLErrorCode.Unauthenticated,
  [AuthExceptionCode.InvalidToken]: GraphQLErrorCode.Unauthenticated,
  [AuthExceptionCode.RoleTooLow]: GraphQLErrorCode.Forbidden,
};

/** Registered globally: the auth guard runs before any resolver-scoped filter. */
@Catch(AuthException)
export class AuthExceptionFilter implements GqlExceptionFilter {
  catch(exception: AuthException) {
    return graphQLError(exception.message, codes[exception.code]);
  }
}

import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { graphQLError, GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { RegistrationTokensException, RegistrationTokensExceptionCode } from './registration-tokens.exception.js';

const codes: Record<RegistrationTokensExceptionCode, GraphQLErrorCode> = {
  [RegistrationTokensExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [RegistrationTokensExceptionCode.AlreadyRevoked]: GraphQLErrorCode.Conflict,
  [RegistrationTokensExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
};

@Catch(RegistrationTokensException)
export class RegistrationTokensExceptionFilter implements GqlExceptionFilter {
  catch(exception: RegistrationTokensException) {
    return graphQLError(exception.message, codes[exception.code], exception.field);
  }
}

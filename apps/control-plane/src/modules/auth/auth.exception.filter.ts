import { graphQLExceptionFilter } from '../../common/graphql-exception.filter.js';
import { GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { AuthException, AuthExceptionCode } from './auth.exception.js';

/** Registered globally: the auth guard runs before any resolver-scoped filter. */
export const AuthExceptionFilter = graphQLExceptionFilter(AuthException, {
  [AuthExceptionCode.MissingToken]: GraphQLErrorCode.Unauthenticated,
  [AuthExceptionCode.InvalidToken]: GraphQLErrorCode.Unauthenticated,
  [AuthExceptionCode.RoleTooLow]: GraphQLErrorCode.Forbidden,
});

import { graphQLExceptionFilter } from '../../common/graphql-exception.filter.js';
import { GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { RegistrationTokensException, RegistrationTokensExceptionCode } from './registration-tokens.exception.js';

export const RegistrationTokensExceptionFilter = graphQLExceptionFilter(RegistrationTokensException, {
  [RegistrationTokensExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [RegistrationTokensExceptionCode.AlreadyRevoked]: GraphQLErrorCode.Conflict,
  [RegistrationTokensExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
});

import { graphQLExceptionFilter } from '../../common/graphql-exception.filter.js';
import { GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { ApiTokensException, ApiTokensExceptionCode } from './api-tokens.exception.js';

export const ApiTokensExceptionFilter = graphQLExceptionFilter(ApiTokensException, {
  [ApiTokensExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [ApiTokensExceptionCode.AlreadyRevoked]: GraphQLErrorCode.Conflict,
  [ApiTokensExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
});

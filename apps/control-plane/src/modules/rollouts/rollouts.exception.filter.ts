import { graphQLExceptionFilter } from '../../common/graphql-exception.filter.js';
import { GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { RolloutsException, RolloutsExceptionCode } from './rollouts.exception.js';

export const RolloutsExceptionFilter = graphQLExceptionFilter(RolloutsException, {
  [RolloutsExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [RolloutsExceptionCode.Conflict]: GraphQLErrorCode.Conflict,
  [RolloutsExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
});

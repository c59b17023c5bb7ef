import { graphQLExceptionFilter } from '../../common/graphql-exception.filter.js';
import { GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { ClustersException, ClustersExceptionCode } from './clusters.exception.js';

export const ClustersExceptionFilter = graphQLExceptionFilter(ClustersException, {
  [ClustersExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [ClustersExceptionCode.BadCursor]: GraphQLErrorCode.BadUserInput,
  [ClustersExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
  [ClustersExceptionCode.WrongAdmission]: GraphQLErrorCode.Conflict,
});

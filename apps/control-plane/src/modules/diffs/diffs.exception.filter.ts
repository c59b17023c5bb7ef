import { graphQLExceptionFilter } from '../../common/graphql-exception.filter.js';
import { GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { DiffsException, DiffsExceptionCode } from './diffs.exception.js';

export const DiffsExceptionFilter = graphQLExceptionFilter(DiffsException, {
  [DiffsExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [DiffsExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
  [DiffsExceptionCode.Unavailable]: GraphQLErrorCode.Conflict,
});

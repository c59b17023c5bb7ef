import { graphQLExceptionFilter } from '../../common/graphql-exception.filter.js';
import { GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { DriftException, DriftExceptionCode } from './drift.exception.js';

export const DriftExceptionFilter = graphQLExceptionFilter(DriftException, {
  [DriftExceptionCode.BadCursor]: GraphQLErrorCode.BadUserInput,
  [DriftExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
});

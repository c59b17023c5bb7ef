import { graphQLExceptionFilter } from '../../common/graphql-exception.filter.js';
import { GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { SyncsException, SyncsExceptionCode } from './syncs.exception.js';

export const SyncsExceptionFilter = graphQLExceptionFilter(SyncsException, {
  [SyncsExceptionCode.BadCursor]: GraphQLErrorCode.BadUserInput,
  [SyncsExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
});

import { graphQLExceptionFilter } from '../../common/graphql-exception.filter.js';
import { GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { DeadLettersException, DeadLettersExceptionCode } from './dead-letters.exception.js';

export const DeadLettersExceptionFilter = graphQLExceptionFilter(DeadLettersException, {
  [DeadLettersExceptionCode.BadCursor]: GraphQLErrorCode.BadUserInput,
  [DeadLettersExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
});

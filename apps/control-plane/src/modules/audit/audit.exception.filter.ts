import { graphQLExceptionFilter } from '../../common/graphql-exception.filter.js';
import { GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { AuditException, AuditExceptionCode } from './audit.exception.js';

export const AuditExceptionFilter = graphQLExceptionFilter(AuditException, {
  [AuditExceptionCode.BadCursor]: GraphQLErrorCode.BadUserInput,
  [AuditExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
});

import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { graphQLError, GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { AuditException, AuditExceptionCode } from './audit.exception.js';

const codes: Record<AuditExceptionCode, GraphQLErrorCode> = {
  [AuditExceptionCode.BadCursor]: GraphQLErrorCode.BadUserInput,
  [AuditExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
};

@Catch(AuditException)
export class AuditExceptionFilter implements GqlExceptionFilter {
  catch(exception: AuditException) {
    return graphQLError(exception.message, codes[exception.code], exception.field);
  }
}

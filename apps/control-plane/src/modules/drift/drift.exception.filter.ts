import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { graphQLError, GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { DriftException, DriftExceptionCode } from './drift.exception.js';

const codes: Record<DriftExceptionCode, GraphQLErrorCode> = {
  [DriftExceptionCode.BadCursor]: GraphQLErrorCode.BadUserInput,
  [DriftExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
};

@Catch(DriftException)
export class DriftExceptionFilter implements GqlExceptionFilter {
  catch(exception: DriftException) {
    return graphQLError(exception.message, codes[exception.code], exception.field);
  }
}

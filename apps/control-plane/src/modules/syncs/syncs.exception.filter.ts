import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { graphQLError, GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { SyncsException, SyncsExceptionCode } from './syncs.exception.js';

const codes: Record<SyncsExceptionCode, GraphQLErrorCode> = {
  [SyncsExceptionCode.BadCursor]: GraphQLErrorCode.BadUserInput,
  [SyncsExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
};

@Catch(SyncsException)
export class SyncsExceptionFilter implements GqlExceptionFilter {
  catch(exception: SyncsException) {
    return graphQLError(exception.message, codes[exception.code], exception.field);
  }
}

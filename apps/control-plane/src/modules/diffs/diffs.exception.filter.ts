import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { graphQLError, GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { DiffsException, DiffsExceptionCode } from './diffs.exception.js';

const codes: Record<DiffsExceptionCode, GraphQLErrorCode> = {
  [DiffsExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [DiffsExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
  [DiffsExceptionCode.Unavailable]: GraphQLErrorCode.Conflict,
};

@Catch(DiffsException)
export class DiffsExceptionFilter implements GqlExceptionFilter {
  catch(exception: DiffsException) {
    return graphQLError(exception.message, codes[exception.code], exception.field);
  }
}

import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { graphQLError, GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { ClustersException, ClustersExceptionCode } from './clusters.exception.js';

const codes: Record<ClustersExceptionCode, GraphQLErrorCode> = {
  [ClustersExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [ClustersExceptionCode.BadCursor]: GraphQLErrorCode.BadUserInput,
  [ClustersExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
  [ClustersExceptionCode.WrongAdmission]: GraphQLErrorCode.Conflict,
};

@Catch(ClustersException)
export class ClustersExceptionFilter implements GqlExceptionFilter {
  catch(exception: ClustersException) {
    return graphQLError(exception.message, codes[exception.code], exception.field);
  }
}

import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { graphQLError, GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { ApiTokensException, ApiTokensExceptionCode } from './api-tokens.exception.js';

const codes: Record<ApiTokensExceptionCode, GraphQLErrorCode> = {
  [ApiTokensExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [ApiTokensExceptionCode.AlreadyRevoked]: GraphQLErrorCode.Conflict,
  [ApiTokensExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
};

@Catch(ApiTokensException)
export class ApiTokensExceptionFilter implements GqlExceptionFilter {
  catch(exception: ApiTokensException) {
    return graphQLError(exception.message, codes[exception.code], exception.field);
  }
}

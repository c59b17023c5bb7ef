import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { graphQLError, GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { RolloutsException, RolloutsExceptionCode } from './rollouts.exception.js';

const codes: Record<RolloutsExceptionCode, GraphQLErrorCode> = {
  [RolloutsExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [RolloutsExceptionCode.Conflict]: GraphQLErrorCode.Conflict,
  [RolloutsExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
};

@Catch(RolloutsException)
export class RolloutsExceptionFilter implements GqlExceptionFilter {
  catch(exception: RolloutsException) {
    return graphQLError(exception.message, codes[exception.code], exception.field);
  }
}

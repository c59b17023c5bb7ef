import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { graphQLError, GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { FleetRepoException, FleetRepoExceptionCode } from './fleet-repo.exception.js';

const codes: Record<FleetRepoExceptionCode, GraphQLErrorCode> = {
  [FleetRepoExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [FleetRepoExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
  [FleetRepoExceptionCode.NoRevision]: GraphQLErrorCode.Conflict,
};

@Catch(FleetRepoException)
export class FleetRepoExceptionFilter implements GqlExceptionFilter {
  catch(exception: FleetRepoException) {
    return graphQLError(exception.message, codes[exception.code], exception.field);
  }
}

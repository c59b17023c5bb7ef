import { graphQLExceptionFilter } from '../../common/graphql-exception.filter.js';
import { GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { FleetRepoException, FleetRepoExceptionCode } from './fleet-repo.exception.js';

export const FleetRepoExceptionFilter = graphQLExceptionFilter(FleetRepoException, {
  [FleetRepoExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [FleetRepoExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
  [FleetRepoExceptionCode.NoRevision]: GraphQLErrorCode.Conflict,
});

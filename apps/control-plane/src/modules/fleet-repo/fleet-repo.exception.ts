import { DomainException } from '../../common/graphql-error.util.js';

export const FleetRepoExceptionCode = {
  NotFound: 'CLUSTER_NOT_FOUND',
  InvalidInput: 'INVALID_INPUT',
  NoRevision: 'NO_DESIRED_REVISION',
} as const;
export type FleetRepoExceptionCode = (typeof FleetRepoExceptionCode)[keyof typeof FleetRepoExceptionCode];

export class FleetRepoException extends DomainException<FleetRepoExceptionCode> {}

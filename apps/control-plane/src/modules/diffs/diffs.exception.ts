import { DomainException } from '../../common/graphql-error.util.js';

export const DiffsExceptionCode = {
  NotFound: 'CLUSTER_NOT_FOUND',
  InvalidInput: 'INVALID_INPUT',
  Unavailable: 'REPO_UNAVAILABLE',
} as const;
export type DiffsExceptionCode = (typeof DiffsExceptionCode)[keyof typeof DiffsExceptionCode];

export class DiffsException extends DomainException<DiffsExceptionCode> {}

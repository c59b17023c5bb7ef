import { DomainException } from '../../common/graphql-error.util.js';

export const ClustersExceptionCode = {
  NotFound: 'CLUSTER_NOT_FOUND',
  BadCursor: 'BAD_CURSOR',
  InvalidInput: 'INVALID_INPUT',
  WrongAdmission: 'WRONG_ADMISSION',
} as const;
export type ClustersExceptionCode = (typeof ClustersExceptionCode)[keyof typeof ClustersExceptionCode];

export class ClustersException extends DomainException<ClustersExceptionCode> {}

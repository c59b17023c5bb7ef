import { DomainException } from '../../common/graphql-error.util.js';

export const RolloutsExceptionCode = {
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  InvalidInput: 'INVALID_INPUT',
} as const;
export type RolloutsExceptionCode = (typeof RolloutsExceptionCode)[keyof typeof RolloutsExceptionCode];

export class RolloutsException extends DomainException<RolloutsExceptionCode> {}

import { DomainException } from '../../common/graphql-error.util.js';

export const DriftExceptionCode = { BadCursor: 'BAD_CURSOR', InvalidInput: 'INVALID_INPUT' } as const;
export type DriftExceptionCode = (typeof DriftExceptionCode)[keyof typeof DriftExceptionCode];

export class DriftException extends DomainException<DriftExceptionCode> {}

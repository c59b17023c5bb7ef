import { DomainException } from '../../common/graphql-error.util.js';

export const DeadLettersExceptionCode = { BadCursor: 'BAD_CURSOR', InvalidInput: 'INVALID_INPUT' } as const;
export type DeadLettersExceptionCode = (typeof DeadLettersExceptionCode)[keyof typeof DeadLettersExceptionCode];

export class DeadLettersException extends DomainException<DeadLettersExceptionCode> {}

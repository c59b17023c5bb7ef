import { DomainException } from '../../common/graphql-error.util.js';

export const SyncsExceptionCode = { BadCursor: 'BAD_CURSOR', InvalidInput: 'INVALID_INPUT' } as const;
export type SyncsExceptionCode = (typeof SyncsExceptionCode)[keyof typeof SyncsExceptionCode];

export class SyncsException extends DomainException<SyncsExceptionCode> {}

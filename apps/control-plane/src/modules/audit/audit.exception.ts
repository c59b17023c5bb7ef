import { DomainException } from '../../common/graphql-error.util.js';

export const AuditExceptionCode = { BadCursor: 'BAD_CURSOR', InvalidInput: 'INVALID_INPUT' } as const;
export type AuditExceptionCode = (typeof AuditExceptionCode)[keyof typeof AuditExceptionCode];

export class AuditException extends DomainException<AuditExceptionCode> {}

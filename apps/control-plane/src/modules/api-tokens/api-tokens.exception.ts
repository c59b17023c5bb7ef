import { DomainException } from '../../common/graphql-error.util.js';

export const ApiTokensExceptionCode = {
  NotFound: 'API_TOKEN_NOT_FOUND',
  AlreadyRevoked: 'API_TOKEN_ALREADY_REVOKED',
  InvalidInput: 'INVALID_INPUT',
} as const;
export type ApiTokensExceptionCode = (typeof ApiTokensExceptionCode)[keyof typeof ApiTokensExceptionCode];

export class ApiTokensException extends DomainException<ApiTokensExceptionCode> {}

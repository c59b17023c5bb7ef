import { DomainException } from '../../common/graphql-error.util.js';

export const RegistrationTokensExceptionCode = {
  NotFound: 'REGISTRATION_TOKEN_NOT_FOUND',
  AlreadyRevoked: 'REGISTRATION_TOKEN_ALREADY_REVOKED',
  InvalidInput: 'INVALID_INPUT',
} as const;
export type RegistrationTokensExceptionCode =
  (typeof RegistrationTokensExceptionCode)[keyof typeof RegistrationTokensExceptionCode];

export class RegistrationTokensException extends DomainException<RegistrationTokensExceptionCode> {}

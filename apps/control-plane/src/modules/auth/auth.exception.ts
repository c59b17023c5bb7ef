import { DomainException } from '../../common/graphql-error.util.js';

export const AuthExceptionCode = {
  MissingToken: 'MISSING_TOKEN',
  InvalidToken: 'INVALID_TOKEN',
  RoleTooLow: 'ROLE_TOO_LOW',
} as const;
export type AuthExceptionCode = (typeof AuthExceptionCode)[keyof typeof AuthExceptionCode];

export class AuthException extends DomainException<AuthExceptionCode> {}

import { DomainException } from '../../common/graphql-error.util.js';

export const RegistrationExceptionCode = {
  InvalidBody: 'INVALID_BODY',
  InvalidToken: 'INVALID_TOKEN',
  NameTaken: 'NAME_TAKEN',
  RateLimited: 'RATE_LIMITED',
} as const;
export type RegistrationExceptionCode = (typeof RegistrationExceptionCode)[keyof typeof RegistrationExceptionCode];

/** The one message for every token problem, so callers cannot tell which check failed. */
export const INVALID_TOKEN_MESSAGE = 'registration token is invalid, expired, revoked or used up';

export class RegistrationException extends DomainException<RegistrationExceptionCode> {
  retryAfterSeconds?: number;
}

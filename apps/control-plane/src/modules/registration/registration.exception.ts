import { DomainException } from '../../common/graphql-error.util.js';

export const RegistrationExceptionCode = {
  InvalidBody: 'INVALID_BODY',
  InvalidToken: 'INVALID_TOKEN',
  NameNotAllowed: 'NAME_NOT_ALLOWED',
  RenewalRefused: 'RENEWAL_REFUSED',
  NameTaken: 'NAME_TAKEN',
  KeyTaken: 'KEY_TAKEN',
  RateLimited: 'RATE_LIMITED',
} as const;
export type RegistrationExceptionCode = (typeof RegistrationExceptionCode)[keyof typeof RegistrationExceptionCode];

/** The one message for every token problem, so callers cannot tell which check failed. */
export const INVALID_TOKEN_MESSAGE = 'registration token is invalid, expired, revoked or used up';

/** The one message for every refused renewal: the caller learns nothing about which check failed. */
export const RENEWAL_REFUSED_MESSAGE =
  'credential renewal refused: the cluster is unknown, deregistered or suspended, or the request is not signed by its key';

/** A public key another cluster registered with: the agent must make a new key pair. */
export const KEY_TAKEN_MESSAGE =
  'this NATS public key is registered by another cluster; every cluster needs its own key pair';

export class RegistrationException extends DomainException<RegistrationExceptionCode> {
  retryAfterSeconds?: number;
}

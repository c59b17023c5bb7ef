/**
 * Agent errors carry a stable `code` and JSON-safe `data`, and serialize to JSON so they can
 * travel over NATS and into structured logs intact.
 */
export class AgentError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly data: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AgentError';
  }

  toJSON() {
    return { name: this.name, code: this.code, message: this.message, data: this.data };
  }
}

export const ErrorCode = {
  InvalidConfig: 'INVALID_CONFIG',
  NoCredential: 'NO_CREDENTIAL',
  CredentialUnreadable: 'CREDENTIAL_UNREADABLE',
  RegistrationRefused: 'REGISTRATION_REFUSED',
  RegistrationRejected: 'REGISTRATION_REJECTED',
  NameTaken: 'NAME_TAKEN',
  InvalidRegistrationResponse: 'INVALID_REGISTRATION_RESPONSE',
  ServerUnavailable: 'SERVER_UNAVAILABLE',
  RenewalRefused: 'RENEWAL_REFUSED',
  Aborted: 'ABORTED',
  /** The hub's relay refused a message (data: `code`, `retryable`). */
  RelayRefused: 'RELAY_REFUSED',
  InvalidRelayReply: 'INVALID_RELAY_REPLY',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

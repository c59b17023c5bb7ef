import { DomainException } from '../../common/graphql-error.util.js';

export const WebhooksExceptionCode = {
  Disabled: 'WEBHOOK_DISABLED',
  UnknownProvider: 'UNKNOWN_PROVIDER',
  BadSignature: 'BAD_SIGNATURE',
  InvalidBody: 'INVALID_BODY',
} as const;
export type WebhooksExceptionCode = (typeof WebhooksExceptionCode)[keyof typeof WebhooksExceptionCode];

export class WebhooksException extends DomainException<WebhooksExceptionCode> {}

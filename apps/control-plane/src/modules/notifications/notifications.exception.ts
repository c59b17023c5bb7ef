import { DomainException } from '../../common/graphql-error.util.js';

export const NotificationsExceptionCode = {
  NotFound: 'TARGET_NOT_FOUND',
  NameTaken: 'TARGET_NAME_TAKEN',
  InvalidInput: 'INVALID_INPUT',
  BadCursor: 'BAD_CURSOR',
} as const;
export type NotificationsExceptionCode = (typeof NotificationsExceptionCode)[keyof typeof NotificationsExceptionCode];

export class NotificationsException extends DomainException<NotificationsExceptionCode> {}

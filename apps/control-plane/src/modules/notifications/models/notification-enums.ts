import { registerEnumType } from '@nestjs/graphql';
import { AlertEventKind } from '../alert-event.js';

export const TargetKind = { Webhook: 'webhook', Slack: 'slack' } as const;
export type TargetKind = (typeof TargetKind)[keyof typeof TargetKind];
export const TargetKindEnum = { WEBHOOK: TargetKind.Webhook, SLACK: TargetKind.Slack } as const;
registerEnumType(TargetKindEnum, {
  name: 'NotificationTargetKind',
  description: 'WEBHOOK: JSON body signed with HMAC-SHA256; SLACK: a Slack-compatible incoming webhook',
});

export const AlertEventEnum = {
  DRIFT_DETECTED: AlertEventKind.DriftDetected,
  SYNC_FAILED: AlertEventKind.SyncFailed,
  CLUSTER_OFFLINE: AlertEventKind.ClusterOffline,
} as const;
registerEnumType(AlertEventEnum, { name: 'AlertEvent' });

export const DeliveryStatus = { Pending: 'pending', Delivered: 'delivered', Failed: 'failed' } as const;
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus];
export const DeliveryStatusEnum = {
  PENDING: DeliveryStatus.Pending,
  DELIVERED: DeliveryStatus.Delivered,
  FAILED: DeliveryStatus.Failed,
} as const;
registerEnumType(DeliveryStatusEnum, {
  name: 'DeliveryStatus',
  description: 'PENDING: not yet sent or waiting for a retry; FAILED: gave up after the last attempt',
});

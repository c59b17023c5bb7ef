/** Alerts: notification targets (admin), incident grouping, and signed deliveries with retries. */
import { Module } from '@nestjs/common';
import { AlertDispatcher } from './alert-dispatcher.service.js';
import { DeliveryWorker } from './delivery-worker.service.js';
import { NotificationTargetsService } from './notification-targets.service.js';
import { NotificationsResolver } from './notifications.resolver.js';

@Module({ providers: [NotificationTargetsService, DeliveryWorker, AlertDispatcher, NotificationsResolver] })
export class NotificationsModule {}

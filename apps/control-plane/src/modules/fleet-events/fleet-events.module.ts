/**
 * One FleetEvents bus per control plane, shared by ingest and alerts (in process), and the
 * SubscriptionBus that GraphQL subscriptions listen to (every replica's events, through PostgreSQL).
 */
import { Global, Module } from '@nestjs/common';
import { FleetEvents } from './fleet-events.js';
import { SubscriptionBus } from './subscription-bus.js';

@Global()
@Module({
  providers: [{ provide: FleetEvents, useFactory: () => new FleetEvents() }, SubscriptionBus],
  exports: [FleetEvents, SubscriptionBus],
})
export class FleetEventsModule {}

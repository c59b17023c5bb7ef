/** One FleetEvents bus per control plane, shared by ingest, subscriptions and alerts. */
import { Global, Module } from '@nestjs/common';
import { FleetEvents } from './fleet-events.js';

@Global()
@Module({ providers: [{ provide: FleetEvents, useFactory: () => new FleetEvents() }], exports: [FleetEvents] })
export class FleetEventsModule {}

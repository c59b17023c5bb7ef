import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

/** One Prometheus registry per control plane instance (so several can share a process in tests). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly agentMessagesRejected = new Counter({
    name: 'flotilla_agent_messages_rejected_total',
    help: 'Agent messages dropped because they failed validation, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly relayRequests = new Counter({
    name: 'flotilla_relay_requests_total',
    help: 'Agent requests at the relay: accepted (by kind), refused (by code) or dropped unanswered (by reason, e.g. foreign_reply)',
    labelNames: ['outcome', 'detail'] as const,
    registers: [this.registry],
  });

  readonly heartbeatsIngested = new Counter({
    name: 'flotilla_heartbeats_ingested_total',
    help: 'Valid agent heartbeats processed',
    registers: [this.registry],
  });

  readonly reportsIngested = new Counter({
    name: 'flotilla_reports_ingested_total',
    help: 'New agent sync and drift reports stored (replays not counted), by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly agentMessagesDeadLettered = new Counter({
    name: 'flotilla_agent_messages_dead_lettered_total',
    help: 'Agent messages ingest gave up on and kept in dead_letters (schema, database refusal, redeliveries spent), by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly alertDeliveries = new Counter({
    name: 'flotilla_alert_deliveries_total',
    help: 'Alert delivery attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly registrations = new Counter({
    name: 'flotilla_registrations_total',
    help: 'POST /v1/register outcomes by HTTP status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

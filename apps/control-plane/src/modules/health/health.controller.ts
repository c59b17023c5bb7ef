import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { NatsService } from '../nats/nats.service.js';
import { MetricsService } from './metrics.service.js';

/**
 * Readiness (`/readyz`, and `/healthz` as before: 503 while PostgreSQL or NATS is away), liveness
 * (`/livez`: the process answers — a database outage is no reason to restart the hub, which
 * reconnects by itself) and Prometheus metrics.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly db: DataSource,
    private readonly nats: NatsService,
    private readonly metrics: MetricsService,
  ) {}

  @Get(['healthz', 'readyz'])
  async healthz(@Res() res: Response): Promise<void> {
    const database = await this.db.query('SELECT 1').then(
      () => 'up',
      () => 'down',
    );
    const nats = this.nats.connected ? 'up' : 'down';
    const ok = database === 'up' && nats === 'up';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', database, nats });
  }

  @Get('livez')
  livez(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

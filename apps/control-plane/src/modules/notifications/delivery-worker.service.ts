import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { MetricsService } from '../health/metrics.service.js';
import { NotificationTargetsService, type OpenedTarget } from './notification-targets.service.js';

const SEND_TIMEOUT_MS = 5_000;
const MAX_BACKOFF_MS = 3_600_000;
const IDLE_POLL_MS = 1_000;

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the X-Flotilla-Signature value. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Delay before attempt n+1 after n failed attempts: base · 2^(n-1), capped at an hour. */
export function backoffMs(baseMs: number, failedAttempts: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, failedAttempts - 1));
}

/**
 * Sends due deliveries (pending, next_attempt_at passed), a few at a time, claimed with
 * SKIP LOCKED. A failure is retried with exponential backoff until ALERT_MAX_ATTEMPTS, then
 * the delivery is marked failed. Runs beside ingest, never inside it.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeliveryWorker.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly targets: NotificationTargetsService,
    private readonly metrics: MetricsService,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  /** Runs a round soon (new deliveries were queued). */
  wake(): void {
    if (!this.running) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.round()
        .catch((e: unknown) => this.logger.error(`delivery round failed: ${(e as Error).message}`))
        .then(async () => {
          this.running = undefined;
          this.schedule(await this.nextDueInMs());
        });
    }, delayMs);
  }

  private async nextDueInMs(): Promise<number> {
    if (this.stopped) return IDLE_POLL_MS;
    const [row] = (await this.db
      .query(
        `SELECT extract(epoch FROM min(next_attempt_at) - now()) * 1000 AS ms FROM notification_deliveries WHERE status = 'pending'`,
      )
      .catch(() => [])) as { ms: number | null }[];
    return row?.ms === null || row?.ms === undefined
      ? IDLE_POLL_MS
      : Math.min(IDLE_POLL_MS, Math.max(0, Number(row.ms)));
  }

  private async round(): Promise<void> {
    for (;;) {
      const due = await this.db.transaction(async (m) => {
        const rows = (await m.query(
          `SELECT id, target_id, payload::text AS body, attempts FROM notification_deliveries
            WHERE status = 'pending' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 10 FOR UPDATE SKIP LOCKED`,
        )) as { id: string; target_id: string; body: string; attempts: number }[];
        // Claim them: push next_attempt_at past the send timeout so another round skips them meanwhile.
        if (rows.length)
          await m.query(
            `UPDATE notification_deliveries SET next_attempt_at = now() + interval '1 minute' WHERE id = ANY($1::bigint[])`,
            [rows.map((r) => r.id)],
          );
        return rows;
      });
      if (due.length === 0 || this.stopped) return;
      await Promise.all(due.map((d) => this.attempt(d)));
    }
  }

  private async attempt(d: { id: string; target_id: string; body: string; attempts: number }): Promise<void> {
    const attempts = d.attempts + 1;
    try {
      const target = await this.targets.open(d.target_id);
      if (!target) return;
      await this.send(target, d.id, d.body);
      await this.db.query(
        `UPDATE notification_deliveries SET status = 'delivered', attempts = $2, delivered_at = now(), last_error = NULL WHERE id = $1`,
        [d.id, attempts],
      );
      this.metrics.alertDeliveries.inc({ outcome: 'delivered' });
    } catch (error) {
      const message = (error as Error).message.slice(0, 1000);
      const giveUp = attempts >= this.config.ALERT_MAX_ATTEMPTS;
      await this.db.query(
        `UPDATE notification_deliveries SET status = $2, attempts = $3, last_error = $4, next_attempt_at = now() + make_interval(secs => $5) WHERE id = $1`,
        [
          d.id,
          giveUp ? 'failed' : 'pending',
          attempts,
          message,
          backoffMs(this.config.ALERT_RETRY_BASE_MS, attempts) / 1000,
        ],
      );
      this.metrics.alertDeliveries.inc({ outcome: giveUp ? 'failed' : 'retry' });
      this.logger.warn(
        `alert delivery ${d.id} attempt ${attempts} failed${giveUp ? ', giving up' : ', will retry'}: ${message}`,
      );
    }
  }

  private async send(target: OpenedTarget, deliveryId: string, body: string): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'flotilla-control-plane',
    };
    if (target.kind === 'webhook') {
      headers['x-flotilla-delivery'] = deliveryId;
      headers['x-flotilla-timestamp'] = String(Math.floor(Date.now() / 1000));
      if (target.secret) headers['x-flotilla-signature'] = signBody(target.secret, body);
    }
    let res: Response;
    try {
      res = await fetch(target.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
    } catch (error) {
      // The URL may carry a secret (Slack): name the host only.
      throw new Error(`POST to ${new URL(target.url).host} failed: ${(error as Error).message}`);
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status >= 300)
      throw new Error(`POST to ${new URL(target.url).host} answered HTTP ${res.status}`);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}

/**
 * One PostgreSQL NOTIFY channel between control-plane replicas: `notify` sends a payload through
 * the pool (delivered to every listener, this replica's included, when it commits), and one
 * dedicated connection LISTENs and hands each payload to `onMessage`. The listening connection
 * reconnects with backoff (0.5 s doubling to 10 s, each connect with a timeout); notices sent
 * while it was down are not replayed (`onReconnect` lets the owner catch up from the database).
 */
import { Logger } from '@nestjs/common';
import type pg from 'pg';
import type { DataSource } from 'typeorm';

const MAX_BACKOFF_MS = 10_000;
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
export const MAX_NOTIFY_BYTES = 7_900;

export interface PgChannelOptions {
  /** Makes the LISTEN connection (with its connect timeout), e.g. `pgConnection(settings).client`. */
  connect: () => pg.Client;
  /** A plain SQL identifier (lower case letters, digits, underscores). */
  channel: string;
  onMessage: (payload: string) => void;
  onReconnect?: () => void;
}

export class PgChannel {
  private readonly logger = new Logger(PgChannel.name);
  private client?: pg.Client;
  private stopped = false;
  private backoffMs = 500;
  private retryTimer?: NodeJS.Timeout;
  private everConnected = false;

  constructor(
    private readonly db: DataSource,
    private readonly opts: PgChannelOptions,
  ) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(opts.channel)) throw new Error(`not a channel name: ${opts.channel}`);
  }

  /** Starts listening; resolves once the first LISTEN is in place (or failed and is being retried). */
  start(): Promise<void> {
    return this.listen();
  }

  async notify(payload: string): Promise<void> {
    if (Buffer.byteLength(payload) > MAX_NOTIFY_BYTES)
      throw new Error(`NOTIFY payload of ${Buffer.byteLength(payload)} bytes is over ${MAX_NOTIFY_BYTES}`);
    await this.db.query(`SELECT pg_notify($1, $2)`, [this.opts.channel, payload]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = this.opts.connect();
    client.on('notification', (n) => {
      if (n.channel === this.opts.channel && n.payload !== undefined) this.opts.onMessage(n.payload);
    });
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${this.opts.channel}`);
      this.backoffMs = 500;
      if (this.everConnected) this.opts.onReconnect?.();
      this.everConnected = true;
    } catch (error) {
      this.lost(client, error as Error);
    }
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.logger.warn(`LISTEN ${this.opts.channel} lost its connection (${error.message}); retrying`);
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => void this.listen(), wait);
    this.retryTimer.unref();
  }
}

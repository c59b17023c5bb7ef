/**
 * Hears API token revocations from every replica (PostgreSQL LISTEN/NOTIFY: ApiTokensService
 * notifies inside the revoking transaction, so the notice goes out on commit) and closes this
 * replica's sockets of the revoked token. A notice missed while the listening connection was
 * down is caught up on reconnect: every open socket's token is checked again. Reconnects back
 * off from 0.5 s to 10 s; each connect has a timeout (DATABASE_CONNECT_TIMEOUT_MS).
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { databaseSettings, pgConnection } from '../../database/pg-connection.js';
import { WsSessions } from './ws-sessions.js';

/** The NOTIFY channel; the payload is the revoked token's id. */
export const API_TOKEN_REVOKED_CHANNEL = 'flotilla_api_token_revoked';
const MAX_BACKOFF_MS = 10_000;

@Injectable()
export class TokenRevocationListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TokenRevocationListener.name);
  private client?: pg.Client;
  private stopped = false;
  private backoffMs = 500;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly db: DataSource,
    private readonly sessions: WsSessions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
  }

  private async listen(): Promise<void> {
    const client = pgConnection(databaseSettings(this.config)).client();
    client.on('notification', (n) => {
      if (n.channel === API_TOKEN_REVOKED_CHANNEL && n.payload) this.revoked(n.payload);
    });
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${API_TOKEN_REVOKED_CHANNEL}`);
      this.backoffMs = 500;
      await this.catchUp();
    } catch (error) {
      this.lost(client, error as Error);
    }
  }

  private revoked(tokenId: string): void {
    const closed = this.sessions.closeToken(tokenId);
    if (closed > 0) this.logger.log(`API token ${tokenId} revoked: closed ${closed} graphql-ws socket(s)`);
  }

  /** Closes the sockets of tokens revoked while no notice could arrive. */
  private async catchUp(): Promise<void> {
    const ids = this.sessions.tokenIds();
    if (ids.length === 0) return;
    const rows = (await this.db.query(`SELECT id FROM api_tokens WHERE id = ANY($1) AND revoked_at IS NOT NULL`, [
      ids,
    ])) as { id: string }[];
    for (const r of rows) this.revoked(r.id);
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.logger.warn(`API token revocation listener lost its connection (${error.message}); retrying`);
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => void this.listen(), wait);
    this.retryTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
  }
}

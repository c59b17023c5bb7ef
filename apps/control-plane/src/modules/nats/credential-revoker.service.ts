import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { credsAuthenticator, natsServers, pushRevocations, type Revocations } from '@flotilla/nats-auth';
import { DataSource } from 'typeorm';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';

/**
 * Keeps the NATS server's revocation list equal to the agent keys of deregistered and
 * suspended clusters (JWTs issued at or before `credentials_revoked_at` are refused, and the
 * server drops connections using them at once): pushed at boot, after every deregistration or
 * suspension and whenever the system connection reconnects (the server's MEMORY resolver
 * forgets updates when it restarts). The database is the source of truth, so a failed push is
 * retried every RETRY_MS. Off unless the operator seed and a system-account user are configured.
 */
@Injectable()
export class CredentialRevoker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CredentialRevoker.name);
  private nc?: NatsConnection;
  private chain: Promise<void> = Promise.resolve();
  /** True while the last push failed; a timer retries it. */
  private failed = false;
  private retryTimer?: NodeJS.Timeout;
  static readonly RETRY_MS = 15_000;

  constructor(
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly db: DataSource,
  ) {}

  get enabled(): boolean {
    return Boolean(
      this.config.NATS_OPERATOR_SEED && this.config.NATS_SYSTEM_USER_JWT && this.config.NATS_SYSTEM_USER_SEED,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) {
      this.logger.warn(
        'NATS_OPERATOR_SEED / NATS_SYSTEM_USER_* not set: deregistered or suspended clusters keep their NATS connection until their JWT expires (AGENT_JWT_TTL_SECONDS; their messages are ignored)',
      );
      return;
    }
    this.nc = await connect({
      servers: natsServers(this.config.NATS_URL),
      name: 'flotilla-control-plane-revoker',
      authenticator: credsAuthenticator(this.config.NATS_SYSTEM_USER_JWT!, this.config.NATS_SYSTEM_USER_SEED!),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    void this.watchReconnects(this.nc);
    this.retryTimer = setInterval(() => {
      if (this.failed)
        this.sync().catch((e: unknown) =>
          this.logger.error(`re-pushing NATS revocations failed: ${(e as Error).message}`),
        );
    }, CredentialRevoker.RETRY_MS);
    this.retryTimer.unref();
    await this.sync();
  }

  /** Pushes the complete revocation list; serialised so pushes never overtake each other. */
  sync(): Promise<void> {
    if (!this.nc) return Promise.resolve();
    const nc = this.nc;
    this.chain = this.chain.then(async () => {
      let revocations: Revocations;
      try {
        revocations = await this.revocations();
        await pushRevocations(
          nc,
          { operatorSeed: this.config.NATS_OPERATOR_SEED!, accountSeed: this.config.NATS_ACCOUNT_SEED },
          revocations,
        );
      } catch (error) {
        this.failed = true;
        throw error;
      }
      this.failed = false;
      this.logger.log(`NATS revocation list updated (${Object.keys(revocations).length} agent keys)`);
    });
    const done = this.chain;
    this.chain = this.chain.catch(() => undefined);
    return done;
  }

  private async revocations(): Promise<Revocations> {
    const rows = (await this.db.query(
      `SELECT nats_public_key AS key, ceil(extract(epoch FROM max(credentials_revoked_at)))::bigint AS at
         FROM clusters WHERE credentials_revoked_at IS NOT NULL GROUP BY nats_public_key`,
    )) as { key: string; at: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, Number(r.at)]));
  }

  private async watchReconnects(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'reconnect')
        this.sync().catch((e: unknown) =>
          this.logger.error(`re-pushing NATS revocations failed: ${(e as Error).message}`),
        );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.retryTimer);
    await this.chain;
    if (this.nc && !this.nc.isClosed()) await this.nc.close();
  }
}

import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { credsAuthenticator } from '@flotilla/nats-auth';
import { AGENT_STREAM, DESIRED_BUCKET, subjects } from '@flotilla/protocol';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';

const AGENT_STREAM_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

/** The control plane's own NATS connection (least-privilege hub user) and the JetStream assets it needs. */
@Injectable()
export class NatsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(NatsService.name);
  private connection?: NatsConnection;

  constructor(@Inject(CONFIG) private readonly config: ControlPlaneConfig) {}

  get nc(): NatsConnection {
    if (!this.connection) throw new Error('NATS is not connected yet');
    return this.connection;
  }

  get connected(): boolean {
    return this.connection !== undefined && !this.connection.isClosed() && this.connection.info !== undefined;
  }

  /** Connects and makes sure AGENT_STREAM and DESIRED_BUCKET exist, once at boot. */
  async onModuleInit(): Promise<void> {
    try {
      this.connection = await connect({
        servers: this.config.NATS_URL,
        name: 'flotilla-control-plane',
        authenticator: credsAuthenticator(this.config.NATS_HUB_JWT, this.config.NATS_HUB_SEED),
        inboxPrefix: subjects.hubInboxPrefix,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      });
    } catch (error) {
      throw new Error(`cannot connect to NATS at ${this.config.NATS_URL}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const jsm = await jetstreamManager(this.connection);
    await this.ensureAgentStream(jsm);
    await new Kvm(this.connection).create(DESIRED_BUCKET, { allow_direct: true, history: 1 });
    this.logger.log(`connected to NATS; stream ${AGENT_STREAM} and bucket ${DESIRED_BUCKET} ready`);
  }

  /**
   * Agent traffic is kept for a week (Limits retention), so a control plane can be down that
   * long without losing reports while the store stays bounded.
   */
  private async ensureAgentStream(jsm: JetStreamManager): Promise<void> {
    const config = {
      name: AGENT_STREAM,
      subjects: [subjects.agentAll],
      storage: StorageType.File,
      max_age: nanos(AGENT_STREAM_MAX_AGE_MS),
    };
    const existing = await jsm.streams.info(AGENT_STREAM).catch(() => undefined);
    if (!existing) await jsm.streams.add(config);
    else if (existing.config.max_age !== config.max_age)
      await jsm.streams.update(AGENT_STREAM, { ...existing.config, max_age: config.max_age });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.connection && !this.connection.isClosed())
      await this.connection.drain().catch(() => this.connection?.close());
  }
}

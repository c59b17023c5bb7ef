import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { credsAuthenticator, natsServers } from '@flotilla/nats-auth';
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
        servers: natsServers(this.config.NATS_URL),
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
    await this.ensureDesiredBucket(jsm);
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
      num_replicas: this.config.NATS_STREAM_REPLICAS,
    };
    const existing = await jsm.streams.info(AGENT_STREAM).catch(() => undefined);
    if (!existing) await jsm.streams.add(config);
    else if (existing.config.max_age !== config.max_age || existing.config.num_replicas !== config.num_replicas)
      await jsm.streams.update(AGENT_STREAM, {
        ...existing.config,
        max_age: config.max_age,
        num_replicas: config.num_replicas,
      });
  }

  /** The desired-state bucket, with NATS_STREAM_REPLICAS replicas (an existing one is moved to that many). */
  private async ensureDesiredBucket(jsm: JetStreamManager): Promise<void> {
    const replicas = this.config.NATS_STREAM_REPLICAS;
    const existing = await jsm.streams.info(`KV_${DESIRED_BUCKET}`).catch(() => undefined);
    if (!existing) await new Kvm(this.nc).create(DESIRED_BUCKET, { allow_direct: true, history: 1, replicas });
    else if (existing.config.num_replicas !== replicas)
      await jsm.streams.update(existing.config.name, { ...existing.config, num_replicas: replicas });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.connection && !this.connection.isClosed())
      await this.connection.drain().catch(() => this.connection?.close());
  }
}

import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import { AGENT_CONSUMER, AGENT_STREAM, subjects } from '@flotilla/protocol';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { MetricsService } from '../health/metrics.service.js';
import { NatsService } from '../nats/nats.service.js';
import { AgentMessageBatch } from './agent-message.batch.js';
import { IngestWriter } from './ingest.writer.js';

/**
 * Reads agent traffic (heartbeats, sync and drift reports) from AGENT_STREAM through the durable
 * consumer AGENT_CONSUMER, so nothing sent while the control plane was down is lost. Valid
 * messages are written in batches, then acked; invalid ones are counted, logged and acked
 * (dropped); on a database error the batch is nak'ed and redelivered.
 */
@Injectable()
export class StatusIngestService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StatusIngestService.name);
  private messages?: ConsumerMessages;
  private pending: JsMsg[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private loop?: Promise<void>;

  constructor(
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly nats: NatsService,
    private readonly writer: IngestWriter,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureConsumer();
    const consumer = await jetstream(this.nats.nc).consumers.get(AGENT_STREAM, AGENT_CONSUMER);
    this.messages = await consumer.consume({ max_messages: this.config.INGEST_BATCH_SIZE * 2 });
    this.loop = this.run(this.messages);
  }

  /** The durable consumer over every agent subject; one made by an older version (heartbeats only) is widened. */
  private async ensureConsumer(): Promise<void> {
    const jsm = await jetstreamManager(this.nats.nc);
    const config: Partial<ConsumerConfig> = {
      durable_name: AGENT_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      filter_subject: subjects.agentAll,
      max_ack_pending: 20_000,
    };
    const existing = await jsm.consumers.info(AGENT_STREAM, AGENT_CONSUMER).catch(() => undefined);
    if (existing && existing.config.filter_subject !== subjects.agentAll) {
      await jsm.consumers
        .update(AGENT_STREAM, AGENT_CONSUMER, { filter_subject: subjects.agentAll })
        .catch(async (e: unknown) => {
          this.logger.warn(`cannot widen consumer ${AGENT_CONSUMER} (${(e as Error).message}); recreating it`);
          await jsm.consumers.delete(AGENT_STREAM, AGENT_CONSUMER);
          await jsm.consumers.add(AGENT_STREAM, config);
        });
      return;
    }
    await jsm.consumers.add(AGENT_STREAM, config);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        this.pending.push(m);
        if (this.pending.length >= this.config.INGEST_BATCH_SIZE) this.flushSoon(0);
        else this.flushSoon(this.config.INGEST_FLUSH_MS);
      }
    } catch (error) {
      this.logger.error(`agent consumer stopped: ${(error as Error).message}`);
    }
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flushing.then(() => this.flush());
    }, delayMs);
  }

  private async flush(): Promise<void> {
    const messages = this.pending.splice(0, this.pending.length);
    if (messages.length === 0) return;
    const batch = new AgentMessageBatch();
    const ok: JsMsg[] = [];
    for (const m of messages) {
      const rejected = batch.add(m.subject, m.data, m.time);
      if (!rejected) {
        ok.push(m);
        continue;
      }
      this.metrics.agentMessagesRejected.inc({ reason: rejected.reason });
      this.logger.warn(`dropped agent message on ${m.subject} (${rejected.reason}): ${rejected.detail}`);
      m.ack();
    }
    try {
      await this.writer.write(batch);
      for (const m of ok) m.ack();
    } catch (error) {
      this.logger.error(`writing ${ok.length} agent messages failed, will retry: ${(error as Error).message}`);
      for (const m of ok) m.nak(1000);
    }
  }

  /** Runs before NATS and the database close (those shut down in onApplicationShutdown). */
  async onModuleDestroy(): Promise<void> {
    await this.messages?.close().catch(() => undefined);
    await this.loop;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.flush().catch(() => undefined);
  }
}

import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AckPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { AGENT_CONSUMER, AGENT_STREAM, SUBJECT_ROOT } from '@flotilla/protocol';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { MetricsService } from '../health/metrics.service.js';
import { NatsService } from '../nats/nats.service.js';
import { latestPerCluster, parseHeartbeat, type AcceptedHeartbeat } from './heartbeat.parser.js';
import { HeartbeatWriter } from './heartbeat.writer.js';

/**
 * Reads agent heartbeats from AGENT_STREAM through the durable consumer AGENT_CONSUMER, so
 * nothing sent while the control plane was down is lost. Valid heartbeats are written in
 * batches, then acked; invalid ones are counted, logged and acked (dropped); on a database
 * error the batch is nak'ed and redelivered.
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
    private readonly writer: HeartbeatWriter,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await jetstreamManager(this.nats.nc);
    await jsm.consumers.add(AGENT_STREAM, {
      durable_name: AGENT_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      filter_subject: `${SUBJECT_ROOT}.agent.*.heartbeat`,
      max_ack_pending: 20_000,
    });
    const consumer = await jetstream(this.nats.nc).consumers.get(AGENT_STREAM, AGENT_CONSUMER);
    this.messages = await consumer.consume({ max_messages: this.config.INGEST_BATCH_SIZE * 2 });
    this.loop = this.run(this.messages);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        this.pending.push(m);
        if (this.pending.length >= this.config.INGEST_BATCH_SIZE) this.flushSoon(0);
        else this.flushSoon(this.config.INGEST_FLUSH_MS);
      }
    } catch (error) {
      this.logger.error(`heartbeat consumer stopped: ${(error as Error).message}`);
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
    const batch = this.pending.splice(0, this.pending.length);
    if (batch.length === 0) return;
    const accepted: AcceptedHeartbeat[] = [];
    const ok: JsMsg[] = [];
    for (const m of batch) {
      const parsed = parseHeartbeat(m.subject, m.data, m.time);
      if (parsed.ok) {
        accepted.push(parsed.value);
        ok.push(m);
        continue;
      }
      this.metrics.agentMessagesRejected.inc({ reason: parsed.reason });
      this.logger.warn(`dropped agent message on ${m.subject} (${parsed.reason}): ${parsed.detail}`);
      m.ack();
    }
    try {
      await this.writer.write(latestPerCluster(accepted));
      this.metrics.heartbeatsIngested.inc(accepted.length);
      for (const m of ok) m.ack();
    } catch (error) {
      this.logger.error(`writing ${accepted.length} heartbeats failed, will retry: ${(error as Error).message}`);
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

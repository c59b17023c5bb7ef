import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { nanos } from '@nats-io/transport-node';
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
import { DeadLetterWriter, type DeadLetter } from './dead-letter.writer.js';
import { IngestWriter } from './ingest.writer.js';
import { isDatabaseAway, isRefusedByDatabase, redeliveryDelayMs } from './ingest-failure.js';

/**
 * Reads agent traffic (heartbeats, sync and drift reports) from AGENT_STREAM through the durable
 * consumer AGENT_CONSUMER, so nothing sent while the control plane was down is lost. Valid
 * messages are written in batches, then acked. No message can hold up others: invalid ones are
 * kept in dead_letters at once; when a batch fails, its messages are written one at a time, so
 * the rest land; one the database refuses (a data or integrity error) goes to dead_letters, one
 * that fails because the database is away is nak'ed with a growing delay for as long as the outage
 * lasts (the consumer itself never gives up: max_deliver -1), and one that fails for any other reason
 * goes to dead_letters once it has been delivered INGEST_MAX_DELIVER times. Every replica reads the
 * same consumer: a message a replica took and never answered (it was killed) is redelivered to
 * another after INGEST_ACK_WAIT_SECONDS; a replica still writing keeps its messages (`working`).
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
    private readonly deadLetters: DeadLetterWriter,
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
      // A message taken by a replica that died comes back to another one after this long.
      ack_wait: nanos(this.config.INGEST_ACK_WAIT_SECONDS * 1000),
      // Never dropped by JetStream: giving up is ingest's decision, and never because the database was away.
      max_deliver: -1,
    };
    const existing = await jsm.consumers.info(AGENT_STREAM, AGENT_CONSUMER).catch(() => undefined);
    if (
      existing &&
      (existing.config.filter_subject !== subjects.agentAll ||
        existing.config.max_deliver !== -1 ||
        existing.config.ack_wait !== config.ack_wait)
    ) {
      await jsm.consumers
        .update(AGENT_STREAM, AGENT_CONSUMER, {
          filter_subject: subjects.agentAll,
          max_deliver: -1,
          ack_wait: config.ack_wait!,
        })
        .catch(async (e: unknown) => {
          this.logger.warn(`cannot widen consumer ${AGENT_CONSUMER} (${(e as Error).message}); recreating it`);
          await jsm.consumers.delete(AGENT_STREAM, AGENT_CONSUMER);
          await jsm.consumers.add(AGENT_STREAM, config);
        });
      return;
    }
    if (!existing) await jsm.consumers.add(AGENT_STREAM, config);
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
    // A slow write is not a dead replica: tell JetStream to keep waiting for these (and the next batch).
    const keepAlive = setInterval(
      () => {
        for (const m of [...messages, ...this.pending]) m.working();
      },
      (this.config.INGEST_ACK_WAIT_SECONDS * 1000) / 3,
    );
    try {
      await this.store(messages);
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async store(messages: JsMsg[]): Promise<void> {
    const batch = new AgentMessageBatch();
    const ok: JsMsg[] = [];
    const dead: [JsMsg, DeadLetter][] = [];
    for (const m of messages) {
      const rejected = batch.add(m.subject, m.data, m.time);
      if (!rejected) {
        ok.push(m);
        continue;
      }
      this.metrics.agentMessagesRejected.inc({ reason: rejected.reason });
      this.logger.warn(`dropped agent message on ${m.subject} (${rejected.reason}): ${rejected.detail}`);
      dead.push([m, this.letter(m, rejected.reason, rejected.detail)]);
    }
    try {
      await this.writer.write(batch);
      for (const m of ok) m.ack();
    } catch (error) {
      this.logger.warn(
        `writing ${ok.length} agent messages failed, will retry them one at a time: ${(error as Error).message}`,
      );
      for (const m of ok) {
        const failed = await this.writeOne(m);
        if (failed) dead.push([m, failed]);
      }
    }
    await this.bury(dead);
  }

  /** Writes one message on its own; a dead letter when it must be given up, else undefined (acked or nak'ed). */
  private async writeOne(m: JsMsg): Promise<DeadLetter | undefined> {
    const single = new AgentMessageBatch();
    single.add(m.subject, m.data, m.time);
    try {
      await this.writer.write(single);
      m.ack();
      return undefined;
    } catch (error) {
      const message = (error as Error).message;
      if (isRefusedByDatabase(error)) return this.letter(m, 'database_refused', message);
      if (!isDatabaseAway(error) && m.info.deliveryCount >= this.config.INGEST_MAX_DELIVER)
        return this.letter(m, 'redeliveries_spent', message);
      m.nak(redeliveryDelayMs(m.info.deliveryCount));
      return undefined;
    }
  }

  /** Keeps the dead letters, then acks their messages; if even that fails, they come back later. */
  private async bury(dead: [JsMsg, DeadLetter][]): Promise<void> {
    if (dead.length === 0) return;
    try {
      await this.deadLetters.write(dead.map(([, letter]) => letter));
      for (const [m, letter] of dead) {
        this.logger.error(`agent message on ${m.subject} kept in dead_letters (${letter.reason}): ${letter.detail}`);
        m.ack();
      }
    } catch (error) {
      this.logger.error(`keeping ${dead.length} dead letters failed, will retry: ${(error as Error).message}`);
      for (const [m] of dead) m.nak(redeliveryDelayMs(m.info.deliveryCount));
    }
  }

  private letter(m: JsMsg, reason: string, detail: string): DeadLetter {
    return {
      subject: m.subject,
      data: m.data,
      reason,
      detail,
      deliveries: m.info.deliveryCount,
      receivedAt: m.time,
    };
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

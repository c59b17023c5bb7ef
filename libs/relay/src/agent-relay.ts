/**
 * The relay: a queue subscription on every agent's relay subjects. Each request is decided by
 * `decide()`; accepted messages are written to the agent stream with the hub's own connection
 * (so the JetStream ack comes back to the hub, never to a subject an agent chose), and the agent
 * gets its answer only after that ack, and only in its own inbox. Bounded: at most `maxInFlight`
 * requests at once (the rest are refused as busy and retried by the agent), a timeout on every
 * JetStream call, and a cap on how often drops and refusals are logged.
 */
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  DESIRED_BUCKET,
  DesiredState,
  RELAY_QUEUE,
  RelayRefusal,
  subjects,
  type RelayRefused,
  type RelayReply,
} from '@flotilla/protocol';
import { decide, type RelayDecision, type RelayDropReason } from './relay-request.js';
import { StreamWriter } from './stream-writer.js';

export interface RelayLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** What happened to one request, for metrics. */
export type RelayOutcome =
  | { type: 'accepted'; kind: string; duplicate: boolean }
  | { type: 'refused'; code: RelayRefusal }
  | { type: 'dropped'; reason: RelayDropReason };

export interface AgentRelayOptions {
  /** The hub's connection (hubPermissions(): it may write the stream and answer requests). */
  nc: NatsConnection;
  logger: RelayLogger;
  /** Requests handled at once by this replica; more are refused as busy. */
  maxInFlight?: number;
  /** Timeout of each JetStream publish and KV read. */
  jetStreamTimeoutMs?: number;
  onOutcome?: (outcome: RelayOutcome) => void;
}

const LOGS_PER_MINUTE = 20;

export class AgentRelay {
  private sub: Subscription | undefined;
  private readonly js: JetStreamClient;
  private kv: Promise<KV> | undefined;
  private writer: StreamWriter | undefined;
  private inFlight = 0;
  private readonly idle = new Set<() => void>();
  private logWindow = { start: 0, count: 0 };
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;

  constructor(private readonly opts: AgentRelayOptions) {
    this.maxInFlight = opts.maxInFlight ?? 512;
    this.timeoutMs = opts.jetStreamTimeoutMs ?? 4_000;
    this.js = jetstream(opts.nc, { timeout: this.timeoutMs });
  }

  /** Subscribes in the relay queue group; several hub replicas share the requests. */
  start(): void {
    this.sub ??= this.opts.nc.subscribe(subjects.relayAll, {
      queue: RELAY_QUEUE,
      callback: (err, msg) => {
        if (err) return this.opts.logger.error(`relay: subscription error: ${err.message}`);
        this.handle(msg);
      },
    });
  }

  /** Stops taking requests and waits for those in flight. */
  async stop(): Promise<void> {
    const sub = this.sub;
    this.sub = undefined;
    if (sub && !sub.isClosed()) await sub.drain().catch(() => sub.unsubscribe());
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
    this.writer?.close();
    this.writer = undefined;
  }

  private handle(msg: Msg): void {
    const decision = decide(msg);
    if (decision.action === 'drop') return this.dropped(decision.reason, decision.detail);
    if (decision.action === 'refuse') return this.refuse(decision.reply, decision.refusal, decision.clusterId);
    if (this.inFlight >= this.maxInFlight)
      return this.refuse(decision.reply, {
        ok: false,
        code: RelayRefusal.Busy,
        error: 'the relay is busy; retry',
        retryable: true,
      });
    this.inFlight++;
    // Called in arrival order: JetStream publishes leave this connection in the order requests came in.
    void this.perform(decision).finally(() => {
      if (--this.inFlight === 0) for (const resolve of this.idle) resolve();
      if (this.inFlight === 0) this.idle.clear();
    });
  }

  private async perform(d: Exclude<RelayDecision, { action: 'drop' | 'refuse' }>): Promise<void> {
    try {
      if (d.action === 'read-desired') {
        const desired = await this.readDesired(d.clusterId);
        this.answer(d.reply, { ok: true, desired });
        return this.outcome({ type: 'accepted', kind: 'desired', duplicate: false });
      }
      const ack = await (this.writer ??= new StreamWriter(this.opts.nc, this.timeoutMs)).write(
        d.streamSubject,
        d.data,
        d.msgId,
      );
      this.answer(d.reply, { ok: true, streamSeq: ack.seq, duplicate: ack.duplicate });
      this.outcome({ type: 'accepted', kind: d.kind, duplicate: ack.duplicate });
    } catch (error) {
      this.opts.logger.warn(`relay: JetStream did not take a request from ${d.clusterId}: ${(error as Error).message}`);
      this.refuse(d.reply, {
        ok: false,
        code: RelayRefusal.Unavailable,
        error: 'the message stream is unavailable; retry',
        retryable: true,
      });
    }
  }

  /** The cluster's current desired state, or null (none yet, deleted, or not valid). */
  private async readDesired(clusterId: string): Promise<DesiredState | null> {
    this.kv ??= new Kvm(this.js).open(DESIRED_BUCKET, { timeout: this.timeoutMs });
    const kv = await this.kv.catch((error: unknown) => {
      this.kv = undefined;
      throw error;
    });
    const entry = await kv.get(clusterId);
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return null;
    const parsed = DesiredState.safeParse(entry.json());
    if (parsed.success && parsed.data.clusterId === clusterId) return parsed.data;
    this.opts.logger.error(`relay: the stored desired state of ${clusterId} is not valid; answered none`);
    return null;
  }

  private refuse(reply: string, refusal: RelayRefused, clusterId?: string): void {
    this.answer(reply, refusal);
    if (!refusal.retryable && clusterId)
      this.logLimited(`relay: refused a request from ${clusterId} (${refusal.code}): ${refusal.error}`);
    this.outcome({ type: 'refused', code: refusal.code });
  }

  /** `reply` was checked by decide(): a concrete subject in the sender's own inbox. */
  private answer(reply: string, body: RelayReply): void {
    try {
      this.opts.nc.publish(reply, JSON.stringify(body));
    } catch (error) {
      this.opts.logger.warn(`relay: cannot answer: ${(error as Error).message}`);
    }
  }

  private dropped(reason: RelayDropReason, detail: string): void {
    this.logLimited(`relay: dropped a request, not answered (${reason}): ${detail}`);
    this.outcome({ type: 'dropped', reason });
  }

  /** Warns at most LOGS_PER_MINUTE times a minute: a misbehaving agent cannot flood the log. */
  private logLimited(message: string): void {
    const now = Date.now();
    if (now - this.logWindow.start > 60_000) this.logWindow = { start: now, count: 0 };
    if (this.logWindow.count++ < LOGS_PER_MINUTE) this.opts.logger.warn(message);
  }

  private outcome(o: RelayOutcome): void {
    try {
      this.opts.onOutcome?.(o);
    } catch (error) {
      this.opts.logger.error(`relay: outcome listener failed: ${(error as Error).message}`);
    }
  }
}

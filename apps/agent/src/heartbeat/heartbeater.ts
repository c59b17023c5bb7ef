/**
 * heartbeat/: tells the hub every interval that this cluster's agent is alive, with its facts.
 * Heartbeats go to the hub's relay, which stores them in JetStream before it answers, so the
 * ingest gets them even if it was down when they were sent.
 * A failed beat is logged once (not per beat) and the next one is tried on schedule.
 */
import { Heartbeat, PROTOCOL_VERSION, subjects, type ClusterFacts } from '@flotilla/protocol';
import type { Logger } from 'pino';

export interface HeartbeatPublisher {
  publish(subject: string, payload: string, timeoutMs: number): Promise<unknown>;
}

export interface HeartbeaterOptions {
  clusterId: string;
  facts: () => ClusterFacts;
  publisher: HeartbeatPublisher;
  intervalMs: number;
  logger: Logger;
}

export class Heartbeater {
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  private failing = false;

  constructor(private readonly opts: HeartbeaterOptions) {}

  /** Beats now, then every interval (a beat never overlaps the previous one). */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops scheduling; the returned promise settles when a beat in flight has finished. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    return this.inFlight ?? Promise.resolve();
  }

  /** Sends one heartbeat; resolves true when the stream acknowledged it. */
  async beat(): Promise<boolean> {
    const message = Heartbeat.parse({
      protocol: PROTOCOL_VERSION,
      clusterId: this.opts.clusterId,
      sentAt: new Date().toISOString(),
      seq: this.seq++,
      facts: this.opts.facts(),
    });
    const log = this.opts.logger;
    try {
      await this.opts.publisher.publish(
        subjects.relay(this.opts.clusterId, 'heartbeat'),
        JSON.stringify(message),
        Math.min(this.opts.intervalMs, 5_000),
      );
      if (this.failing) log.info({ seq: message.seq }, 'heartbeat: delivered again');
      else log.debug({ seq: message.seq }, 'heartbeat: sent');
      this.failing = false;
      return true;
    } catch (error) {
      if (!this.failing)
        log.warn({ err: error, seq: message.seq }, 'heartbeat: not delivered; will keep trying every interval');
      this.failing = true;
      return false;
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.beat().then(() => {
        this.inFlight = undefined;
        this.schedule(this.opts.intervalMs);
      });
    }, delayMs);
  }
}

/**
 * A protocol-level fake agent for rollout tests and benchmarks: it reads its own DesiredState the
 * way an agent does (through the hub's relay, as its own NATS user) and, after `delayMs`, sends a
 * SyncReport through the relay — Synced + Healthy, or Failed for revisions in `bad`.
 */
import { PROTOCOL_VERSION, type DesiredState, type SyncReport } from '@flotilla/protocol';
import type { TestAgent } from './agent.js';

export interface FakeAgentOptions {
  delayMs?: number;
  /** Revisions this agent fails to apply. */
  bad?: ReadonlySet<string>;
  pollMs?: number;
  /** While `down` is true the agent cannot reach Git: it reports SOURCE_UNAVAILABLE (retryable) and retries. */
  outage?: { down: boolean };
  /**
   * Revisions it reports Healthy too early: judged on a Deployment whose controller has not yet
   * observed the generation the pass wrote (observedGeneration 1 < generation 2).
   */
  judgedEarly?: ReadonlySet<string>;
  /** How often it heartbeats while running (default 1 s), as a real agent does: a rollout skips clusters gone quiet. */
  heartbeatMs?: number;
}

export class FakeFleetAgent {
  /** Every revision the hub ever told this agent to run, in order. */
  readonly received: string[] = [];
  private seq = 1000;
  private timer?: NodeJS.Timeout;
  private reported?: string;
  private stopped = false;
  /** The revision whose fetch failed last (retried on every round until Git answers). */
  private failing?: string;
  /** Reports of SOURCE_UNAVAILABLE sent. */
  unavailableReports = 0;
  private lastBeat = Date.now();

  constructor(
    readonly agent: TestAgent,
    readonly name: string,
    private readonly opts: FakeAgentOptions = {},
  ) {}

  get clusterId(): string {
    return this.agent.clusterId;
  }

  desired(): Promise<DesiredState | undefined> {
    return this.agent.desired();
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      if (Date.now() - this.lastBeat >= (this.opts.heartbeatMs ?? 1000)) {
        this.lastBeat = Date.now();
        void this.agent.heartbeat().catch(() => undefined); // the control plane may be restarting
      }
      try {
        const d = await this.desired();
        if (d && this.opts.outage?.down && (d.revision !== this.reported || this.failing === d.revision)) {
          this.reported = d.revision;
          this.failing = d.revision;
          if (this.received.at(-1) !== d.revision) this.received.push(d.revision);
          await this.reportUnavailable(d.revision);
        } else if (d && (d.revision !== this.reported || this.failing === d.revision)) {
          this.failing = undefined;
          this.reported = d.revision;
          if (this.received.at(-1) !== d.revision) this.received.push(d.revision);
          const revision = d.revision;
          // A report the relay did not store (the control plane restarting) is sent again on a later round.
          setTimeout(
            () =>
              void this.report(revision).catch(() => {
                if (this.reported === revision) this.reported = undefined;
              }),
            this.opts.delayMs ?? 0,
          );
        }
      } catch {
        // the control plane may be restarting: try again on the next round
      }
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.opts.pollMs ?? 100);
    };
    void loop();
  }

  /** What an agent sends when its fetch failed: Failed, source stage, retryable, the last good revision kept. */
  async reportUnavailable(revision: string): Promise<void> {
    const now = new Date().toISOString();
    this.unavailableReports++;
    await this.agent.report('sync', {
      protocol: PROTOCOL_VERSION,
      clusterId: this.clusterId,
      seq: this.seq++,
      revision,
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
      state: 'Failed',
      health: 'Unknown',
      objects: [],
      error: { stage: 'source', code: 'SOURCE_UNAVAILABLE', reason: 'Request timed out', retryable: true },
      sourceAvailable: false,
    });
  }

  async report(revision: string): Promise<void> {
    const bad = this.opts.bad?.has(revision) ?? false;
    const now = new Date().toISOString();
    const report: SyncReport = {
      protocol: PROTOCOL_VERSION,
      clusterId: this.clusterId,
      seq: this.seq++,
      revision,
      ...(bad ? {} : { appliedRevision: revision }),
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
      state: bad ? 'Failed' : 'Synced',
      health: bad ? 'Degraded' : 'Healthy',
      objects: this.opts.judgedEarly?.has(revision)
        ? [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              namespace: 'web',
              name: 'web',
              action: 'configured',
              health: 'Healthy',
              generation: 2,
              observedGeneration: 1,
            },
          ]
        : [],
      ...(bad
        ? {
            error: {
              stage: 'health',
              code: 'DEGRADED',
              reason: 'Deployment web: image web:broken cannot be pulled',
              retryable: true,
            },
          }
        : {}),
      sourceAvailable: true,
    };
    await this.agent.report('sync', report);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.agent.close();
  }
}

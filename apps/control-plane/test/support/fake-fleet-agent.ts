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
}

export class FakeFleetAgent {
  /** Every revision the hub ever told this agent to run, in order. */
  readonly received: string[] = [];
  private seq = 1000;
  private timer?: NodeJS.Timeout;
  private reported?: string;
  private stopped = false;

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
      try {
        const d = await this.desired();
        if (d && d.revision !== this.reported) {
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
      objects: [],
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

/**
 * Protocol-level agents for scale tests and bench:scale: many clusters in one process, each with
 * the agent's own NATS transport (its credential, its inbox, jittered reconnect backoff, native
 * Ed25519), its own DesiredSource (read through the relay on every connect) and its own Heartbeater, sending heartbeats every `heartbeatMs` and a SyncReport every
 * `reportMs` through the hub's relay, as the agent does — without Git or Kubernetes behind them.
 * Every accepted message is counted per cluster, so a test can check the hub stored exactly those.
 */
import { pino } from 'pino';
import { PROTOCOL_VERSION, subjects, type ClusterFacts, type SyncReport } from '@flotilla/protocol';
import type { NatsConnection } from '@nats-io/transport-node';
import { DesiredSource } from '../../../apps/agent/src/desired/desired-source.js';
import { Heartbeater } from '../../../apps/agent/src/heartbeat/heartbeater.js';
import type { StateStore } from '../../../apps/agent/src/state/state-store.js';
import { NatsTransport } from '../../../apps/agent/src/transport/nats-transport.js';

export interface ProtocolAgentCredential {
  clusterId: string;
  jwt: string;
  seed: string;
  inboxPrefix: string;
}

export interface ProtocolAgentsOptions {
  natsUrl: string;
  heartbeatMs: number;
  reportMs: number;
  /** Answer each new desired revision at once with a Synced + Healthy report (rollouts pass). */
  answerDesired?: boolean;
  facts?: ClusterFacts;
}

export interface ProtocolAgentsStats {
  agents: number;
  connected: number;
  heartbeatsAccepted: number;
  heartbeatsFailed: number;
  reportsAccepted: number;
  reportsFailed: number;
  /** Per desired revision: how many agents have moved to it and when the first and last did (epoch ms). */
  desired: Record<string, { agents: number; first: number; last: number }>;
  /** Agents that received any desired-state message at or after `since` (epoch ms). */
  desiredSince: number;
}

const FACTS: ClusterFacts = {
  kubeVersion: 'v1.31.2',
  agentVersion: '0.1.0',
  provider: 'sim',
  region: 'local',
  nodeCount: 3,
};
const silent = pino({ level: 'silent' });
const ZERO_SHA = '0'.repeat(40);
/** No state dir: these agents keep nothing between runs. */
const memoryState = (): StateStore => ({
  describe: (key) => `memory:${key}`,
  discardHint: () => 'nothing to discard',
  read: () => Promise.resolve(undefined),
  write: () => Promise.resolve(),
  remove: () => Promise.resolve(),
  isExposed: () => Promise.resolve(false),
});

class ProtocolAgent {
  readonly transport: NatsTransport;
  readonly heartbeater: Heartbeater;
  private reportTimer?: NodeJS.Timeout;
  private startTimer?: NodeJS.Timeout;
  private seq = 0;
  revision = ZERO_SHA;
  lastDesiredAt = 0;
  /** seqs of the reports the relay accepted. */
  readonly acceptedSeqs: number[] = [];
  heartbeatsAccepted = 0;
  heartbeatsFailed = 0;
  reportsFailed = 0;
  private paused = false;
  get sent(): number {
    return this.seq;
  }
  private readonly inFlight = new Set<Promise<void>>();

  private readonly desired: DesiredSource;

  constructor(
    readonly cred: ProtocolAgentCredential,
    private readonly opts: ProtocolAgentsOptions,
    private readonly onDesired: (agent: ProtocolAgent, revision: string) => void,
  ) {
    this.transport = new NatsTransport({
      url: opts.natsUrl,
      jwt: () => cred.jwt,
      seed: cred.seed,
      inboxPrefix: cred.inboxPrefix,
      name: `sim-${cred.clusterId}`,
      logger: silent,
      backoff: { initialMs: 250, maxMs: 5_000 },
    });
    this.desired = new DesiredSource(memoryState(), cred.clusterId, silent);
    this.heartbeater = new Heartbeater({
      clusterId: cred.clusterId,
      facts: () => opts.facts ?? FACTS,
      intervalMs: opts.heartbeatMs,
      logger: silent,
      publisher: {
        publish: async (subject, payload, timeoutMs) => {
          try {
            await this.transport.publish(subject, payload, timeoutMs);
            this.heartbeatsAccepted++;
          } catch (error) {
            this.heartbeatsFailed++;
            throw error;
          }
        },
      },
    });
  }

  start(): void {
    // The agent's own DesiredSource: re-read through the relay on every (re)connect, then each new value.
    this.desired.onChange(({ revision }) => {
      if (revision === this.revision) return;
      this.revision = revision;
      this.onDesired(this, revision);
      if (this.opts.answerDesired) void this.report();
    });
    this.transport.onConnect((nc: NatsConnection, reconnected) => {
      this.desired.attach(nc, reconnected);
      // Every value published, changed or not (a re-publish too), for timing.
      if (!reconnected)
        nc.subscribe(subjects.desired(this.cred.clusterId), {
          callback: () => {
            this.lastDesiredAt = Date.now();
          },
        });
    });
    this.transport.start();
    // Spread the fleet's beats and reports over their intervals, as agents started at different times are.
    this.startTimer = setTimeout(() => this.heartbeater.start(), Math.random() * this.opts.heartbeatMs);
    const firstReport = Math.random() * this.opts.reportMs;
    this.reportTimer = setTimeout(() => {
      void this.report();
      this.reportTimer = setInterval(() => void this.report(), this.opts.reportMs);
    }, firstReport);
  }

  /** One SyncReport through the relay; counted once the relay says JetStream stored it. */
  report(): Promise<void> {
    if (this.paused) return Promise.resolve();
    const p = this.send().finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
    return p;
  }

  private async send(): Promise<void> {
    const now = new Date().toISOString();
    const report: SyncReport = {
      protocol: PROTOCOL_VERSION,
      clusterId: this.cred.clusterId,
      seq: ++this.seq,
      revision: this.revision,
      appliedRevision: this.revision,
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
      state: 'Synced',
      health: 'Healthy',
      objects: [],
      sourceAvailable: true,
    };
    try {
      await this.transport.publish(subjects.relay(this.cred.clusterId, 'sync'), JSON.stringify(report), 10_000);
      this.acceptedSeqs.push(report.seq);
    } catch {
      this.reportsFailed++;
    }
  }

  /** No more heartbeats or reports; resolves once those in flight have their answer. */
  async pause(): Promise<void> {
    this.paused = true;
    clearTimeout(this.startTimer);
    clearTimeout(this.reportTimer);
    clearInterval(this.reportTimer);
    await this.heartbeater.stop();
    await Promise.all(this.inFlight);
  }

  async stop(): Promise<void> {
    await this.pause();
    await this.transport.stop();
  }
}

export class ProtocolAgents {
  private readonly agents: ProtocolAgent[];
  private readonly desired = new Map<string, { agents: number; first: number; last: number }>();

  constructor(creds: ProtocolAgentCredential[], opts: ProtocolAgentsOptions) {
    this.agents = creds.map(
      (c) =>
        new ProtocolAgent(c, opts, (_a, revision) => {
          const now = Date.now();
          const d = this.desired.get(revision) ?? { agents: 0, first: now, last: now };
          d.agents++;
          d.last = now;
          this.desired.set(revision, d);
        }),
    );
  }

  /** Starts every agent (connecting in the background, `perSecond` at most per second; 0: all at once). */
  async start(perSecond = 0): Promise<void> {
    for (const [i, a] of this.agents.entries()) {
      a.start();
      if (perSecond > 0 && i % perSecond === perSecond - 1) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  stats(since = Number.POSITIVE_INFINITY): ProtocolAgentsStats {
    let connected = 0;
    let heartbeatsAccepted = 0;
    let heartbeatsFailed = 0;
    let reportsAccepted = 0;
    let reportsFailed = 0;
    let desiredSince = 0;
    for (const a of this.agents) {
      if (a.transport.connected) connected++;
      heartbeatsAccepted += a.heartbeatsAccepted;
      heartbeatsFailed += a.heartbeatsFailed;
      reportsAccepted += a.acceptedSeqs.length;
      reportsFailed += a.reportsFailed;
      if (a.lastDesiredAt >= since) desiredSince++;
    }
    return {
      agents: this.agents.length,
      connected,
      heartbeatsAccepted,
      heartbeatsFailed,
      reportsAccepted,
      reportsFailed,
      desired: Object.fromEntries(this.desired),
      desiredSince,
    };
  }

  /**
   * Per cluster: the seqs of the sync reports the relay accepted (the hub must store each), and how
   * many were sent (seqs 1…sent: one whose answer was lost may have been stored too, but nothing else),
   * and how many of its heartbeats the relay accepted.
   */
  reports(): Map<string, { accepted: number[]; sent: number; heartbeatsAccepted: number }> {
    return new Map(
      this.agents.map((a) => [
        a.cred.clusterId,
        { accepted: [...a.acceptedSeqs], sent: a.sent, heartbeatsAccepted: a.heartbeatsAccepted },
      ]),
    );
  }

  /** Stops heartbeats and reports (connections stay up), so the counts stop moving. */
  async quiesce(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.pause()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop()));
  }
}

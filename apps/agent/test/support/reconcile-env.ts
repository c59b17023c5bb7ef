/**
 * One reconcile test world: a real nats-server (JWT mode) with the agent stream and the desired
 * bucket as the hub makes them, a kube-sim cluster, a bare repo served by `git http-backend`,
 * and an agent runtime connected as the cluster's own least-privilege user.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm, type KV } from '@nats-io/kv';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { pino, type Logger } from 'pino';
import {
  AGENT_STREAM,
  DESIRED_BUCKET,
  DriftReport,
  PROTOCOL_VERSION,
  SyncReport,
  agentPermissions,
  subjects,
  type DesiredState,
} from '@flotilla/protocol';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { startGitServer, startNats, waitFor as waitUntil, type GitServer, type TestNats } from '@flotilla/testing';
import { startReconciling, type ReconcileRuntime, type ReconcileSettings } from '../../src/reconcile/runtime.js';
import { NatsTransport } from '../../src/transport/nats-transport.js';
import { createAgentStream } from './stream.js';

export interface ReconcileEnv {
  nats: TestNats;
  hub: NatsConnection;
  jsm: JetStreamManager;
  kv: KV;
  sim: KubeSim;
  git: GitServer;
  clusterId: string;
  stateDir: string;
  logger: Logger;
  /** Starts (or restarts) the agent runtime over the same state dir. */
  startAgent(settings?: Partial<ReconcileSettings>): Promise<ReconcileRuntime>;
  stopAgent(): Promise<void>;
  /** Puts this cluster's desired state into the KV bucket, as the hub does. */
  putDesired(d: Partial<DesiredState> & { revision: string }): Promise<DesiredState>;
  syncReports(): Promise<SyncReport[]>;
  driftReports(): Promise<DriftReport[]>;
  /** Waits until `pred` holds for the sync reports. */
  waitSync(pred: (reports: SyncReport[]) => boolean, timeoutMs?: number): Promise<SyncReport[]>;
  waitDrift(pred: (reports: DriftReport[]) => boolean, timeoutMs?: number): Promise<DriftReport[]>;
  close(): Promise<void>;
}

/** Polls `probe` until `pred` holds; the deadline stretches with the machine's load (libs/testing). */
export function waitFor<T>(
  probe: () => Promise<T> | T,
  pred: (v: T) => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  return waitUntil(probe, pred, { timeoutMs, what });
}

export async function startReconcileEnv(
  opts: { simulate?: boolean | { delayMs: number; progressDeadlineScale: number } } = {},
): Promise<ReconcileEnv> {
  const logger = pino({ level: process.env['AGENT_TEST_LOG'] ?? 'silent' });
  const nats = await startNats();
  const hub = await nats.connect(nats.hub, { maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const jsm = await createAgentStream(hub);
  const kv = await new Kvm(hub).create(DESIRED_BUCKET, { history: 1 });
  const sim = await startKubeSim({ port: 0, simulate: opts.simulate ?? { delayMs: 20, progressDeadlineScale: 0.01 } });
  const git = await startGitServer();
  const clusterId = randomUUID();
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-reconcile-'));
  const stateDir = join(dir, 'state');
  const inboxPrefix = subjects.agentInboxPrefix(clusterId);
  const creds = await nats.userFor(agentPermissions(clusterId), { name: `agent-${clusterId}`, inboxPrefix });
  let transport: NatsTransport | undefined;
  let runtime: ReconcileRuntime | undefined;

  const stopAgent = async () => {
    await runtime?.stop();
    await transport?.stop();
    runtime = undefined;
    transport = undefined;
  };

  /** Reads retry: a request sent while the hub connection is still reconnecting (after a NATS restart) loses its reply. */
  const readAll = async (kind: 'sync' | 'drift'): Promise<unknown[]> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await readOnce(kind);
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  const readOnce = async (kind: 'sync' | 'drift'): Promise<unknown[]> => {
    const subject = subjects.agent(clusterId, kind);
    const info = await jsm.streams.info(AGENT_STREAM);
    const out: unknown[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(AGENT_STREAM, { seq }).catch((e: Error) => {
        if (e.name === 'TimeoutError') throw e;
        return null;
      });
      if (m && m.subject === subject) out.push(m.json());
    }
    return out;
  };
  const syncReports = async () => (await readAll('sync')).map((r) => SyncReport.parse(r));
  const driftReports = async () => (await readAll('drift')).map((r) => DriftReport.parse(r));

  return {
    nats,
    hub,
    jsm,
    kv,
    sim,
    git,
    clusterId,
    stateDir,
    logger,
    async startAgent(settings = {}) {
      await stopAgent();
      transport = new NatsTransport({
        url: nats.url,
        jwt: () => creds.jwt,
        seed: creds.seed,
        inboxPrefix,
        name: `agent ${clusterId}`,
        logger,
        backoff: { initialMs: 50, maxMs: 300 },
      });
      transport.start();
      runtime = await startReconciling({
        clusterId,
        stateDir,
        kubeconfig: sim.kubeconfigPath,
        transport,
        logger,
        healthTimeoutSeconds: 5,
        ...settings,
      });
      return runtime;
    },
    stopAgent,
    async putDesired(d) {
      const desired: DesiredState = {
        protocol: PROTOCOL_VERSION,
        clusterId,
        repoUrl: git.url,
        branch: 'main',
        path: 'clusters/edge',
        prune: true,
        selfHeal: true,
        updatedAt: new Date().toISOString(),
        ...d,
      };
      await kv.put(clusterId, JSON.stringify(desired));
      return desired;
    },
    syncReports,
    driftReports,
    waitSync: (pred, timeoutMs = 15_000) => waitFor(syncReports, pred, timeoutMs, 'sync reports'),
    waitDrift: (pred, timeoutMs = 10_000) => waitFor(driftReports, pred, timeoutMs, 'drift reports'),
    async close() {
      await stopAgent();
      await hub.close();
      await nats[Symbol.asyncDispose]();
      await sim.close();
      await git.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

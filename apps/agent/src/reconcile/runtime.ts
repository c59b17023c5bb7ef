/**
 * Wires the reconcile machinery for one cluster: Kubernetes client, watch cache, stages, drift
 * handler, report outbox and the loop, fed by the desired state from NATS (or the saved copy).
 */
import type { StateStore } from '../state/state-store.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { PROTOCOL_VERSION, type DesiredState } from '@flotilla/protocol';
import type { Logger } from 'pino';
import { AppliedObjects } from '../apply/applied-objects.js';
import { Applier } from '../apply/applier.js';
import { ServerApply } from '../apply/server-apply.js';
import { DesiredSource } from '../desired/desired-source.js';
import { DriftHandler } from '../drift/drift-handler.js';
import { LiveCache } from '../drift/live-cache.js';
import { HealthChecker } from '../health/health-checker.js';
import { InventoryStore } from '../inventory/inventory-store.js';
import { Discovery } from '../kube/discovery.js';
import { KubeClient, type ClientLimits } from '../kube/kube-client.js';
import { loadKubeconfig } from '../kube/kubeconfig.js';
import { listObjects } from '../kube/list-objects.js';
import { listAll } from '../kube/list-pages.js';
import { Planner } from '../plan/planner.js';
import { Pruner } from '../prune/pruner.js';
import { OWNER_LABEL, Renderer } from '../render/renderer.js';
import { Outbox, type ReportPublisher } from '../report/outbox.js';
import { CommitGuard } from '../source/commit-guard.js';
import { Fetcher, type GitCredentials } from '../source/fetcher.js';
import { ReconcileLoop } from './loop.js';
import { Reconciler } from './reconciler.js';
import { fitReport } from '../report/fit-report.js';

export interface ReconcileSettings {
  kubeconfig: string;
  /** The kubeconfig context to use instead of its current-context. */
  kubeContext?: string;
  /** Timeouts and size caps of the Kubernetes client (kube/kube-client.ts defaults otherwise). */
  kubeLimits?: ClientLimits;
  git?: GitCredentials;
  resyncSeconds?: number;
  healthTimeoutSeconds?: number;
  /** Time limit of one request to the Git host (default 60 s); a failed fetch is retried with backoff. */
  gitTimeoutSeconds?: number;
  /** Armored OpenPGP public keys: turns the signed-commit policy on (source/commit-guard.ts). */
  trustedKeysFile?: string;
}

export interface RuntimeOptions extends ReconcileSettings {
  clusterId: string;
  stateDir: string;
  /** The agent's own namespace: the inventory ConfigMaps are kept there (default flotilla-system). */
  namespace?: string;
  /** Where the desired state is kept (default: the state dir). */
  state?: StateStore;
  transport: ReportPublisher & { onConnect(listener: (nc: NatsConnection, reconnected: boolean) => void): void };
  logger: Logger;
}

export interface ReconcileRuntime {
  loop: ReconcileLoop;
  outbox: Outbox;
  drift: DriftHandler;
  live: LiveCache;
  client: KubeClient;
  desired: DesiredSource;
  stop(): Promise<void>;
}

export async function startReconciling(o: RuntimeOptions): Promise<ReconcileRuntime> {
  await mkdir(o.stateDir, { recursive: true, mode: 0o700 });
  const log = o.logger;
  const client = new KubeClient(loadKubeconfig(o.kubeconfig, { context: o.kubeContext }), o.kubeLimits);
  const discovery = new Discovery(client);
  const server = new ServerApply(client);
  const applied = new AppliedObjects(o.stateDir);
  await applied.load();
  const owned = `${OWNER_LABEL}=${o.clusterId}`;
  const live = new LiveCache(client, owned, log.child({ stage: 'drift' }));
  const outbox = new Outbox(o.stateDir, o.clusterId, o.transport, log.child({ stage: 'report' }));
  await outbox.open();
  const desired = new DesiredSource(o.state ?? o.stateDir, o.clusterId, log.child({ stage: 'desired' }));
  await desired.loadSaved();
  const header = (seq: number) => ({ protocol: PROTOCOL_VERSION, clusterId: o.clusterId, seq });
  const drift = new DriftHandler({
    live,
    applied,
    server,
    selfHeal: () => desired.value?.selfHeal ?? false,
    report: (d) =>
      void outbox.add('drift', (seq) => ({
        ...header(seq),
        revision: applied.revision ?? desired.value?.revision,
        ...d,
      })),
    logger: log.child({ stage: 'drift' }),
  });
  const fetcher = new Fetcher(join(o.stateDir, 'git'), o.git, { timeoutMs: (o.gitTimeoutSeconds ?? 60) * 1000 });
  const guard = o.trustedKeysFile ? await CommitGuard.fromFile(o.trustedKeysFile, fetcher) : undefined;
  if (guard)
    log.info({ keys: guard.keys }, 'source: signed-commit policy on; only commits signed by these keys are applied');
  const reconciler = new Reconciler({
    clusterId: o.clusterId,
    fetcher,
    ...(guard ? { guard } : {}),
    renderer: new Renderer(o.clusterId),
    planner: new Planner({
      discovery,
      live,
      applied,
      withoutFought: (id, diffs) => drift.withoutFought(id, diffs),
      server,
      listNamespaces: () => namespaceNames(client),
      listLive: (info) => listObjects(client, info, { labelSelector: owned }),
    }),
    applier: new Applier(server, discovery, applied, live),
    pruner: new Pruner(client, discovery, applied, o.clusterId),
    inventory: new InventoryStore(client, { namespace: o.namespace }),
    applied,
    health: new HealthChecker(live),
    live,
    drift,
    healthTimeoutMs: (o.healthTimeoutSeconds ?? 60) * 1000,
    logger: log.child({ stage: 'reconcile' }),
    kubeRetries: () => client.retries,
  });
  const loop = new ReconcileLoop({
    desired: () => desired.value,
    reconcile: (d: DesiredState) => reconciler.reconcile(d),
    onResult: async (r) => void (await outbox.add('sync', (seq) => fitReport({ ...header(seq), ...r }))),
    resyncMs: (o.resyncSeconds ?? 300) * 1000,
    logger: log.child({ stage: 'reconcile' }),
  });
  desired.onChange(() => void loop.trigger('desired state changed'));
  o.transport.onConnect((nc, reconnected) => desired.attach(nc, reconnected));
  outbox.start();
  loop.start();
  return {
    loop,
    outbox,
    drift,
    live,
    client,
    desired,
    stop: async () => {
      await loop.stop();
      await drift.settled();
      live.stop();
      await outbox.stop();
      client.close();
    },
  };
}

/** The names of the cluster's namespaces. */
async function namespaceNames(client: KubeClient): Promise<string[]> {
  const { items } = await listAll<{ metadata: { name: string } }>(client, '/api/v1/namespaces');
  return items.map((n) => n.metadata.name);
}

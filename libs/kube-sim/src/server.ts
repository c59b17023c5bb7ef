// startKubeSim: the HTTP server (127.0.0.1, JSON) tying routing, discovery, OpenAPI, the
// resource handlers, watches, simulation and persistence together, plus the control API
// tests and benchmarks use (store access, request counters, simulation settings).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, toJson } from './api.js';
import { installDeleteHooks } from './deletes.js';
import { apiGroupDoc, apiGroupListDoc, apiVersionsDoc, resourceListDoc, versionDoc } from './discovery.js';
import { errors, KubeError, statusBody } from './errors.js';
import { Faults, verbOf } from './faults/faults.js';
import type { FaultSettings } from './faults/settings.js';
import { authorizeRequest } from './http/authorize.js';
import { parseQuery } from './http/query.js';
import { handleResource, type HandlerContext } from './http/resource-handler.js';
import { route } from './http/route.js';
import { requestTarget } from './http/target.js';
import { writeKubeconfig } from './kubeconfig.js';
import { openapiGroupDoc, openapiRootDoc } from './openapi.js';
import { Persister } from './persist.js';
import { Rbac, type RbacOptions } from './rbac.js';
import { type SimulationSettings, Simulator } from './simulate.js';
import { Watches } from './watch.js';
import { DiscoveryFaults, type DiscoveryFaultOptions } from './discovery-faults.js';
import { TokenRotation, type TokenRotationOptions } from './token-rotation.js';
import { watchFaults, type WatchFaults } from './watch-faults.js';
import { Writers, type WritersOptions } from './writers/writer.js';

export interface KubeSimOptions {
  port?: number;
  host?: string;
  /** Simulated workload controllers (default on); `{ delayMs, progressDeadlineScale }` tunes them. */
  simulate?: boolean | Partial<SimulationSettings>;
  stateFile?: string;
  kubeconfigPath?: string;
  name?: string;
  /** Watch history kept for resuming watches (older versions get 410 Gone). */
  historySize?: number;
  /** The Nodes a fresh cluster starts with (default: one), for agents that report node facts. */
  nodes?: number | NodeSeed;
  /** Watch lag: each watch event reaches each watcher a random 0..watchLagMs ms late, in order (default 0). */
  watchLagMs?: number;
  /**
   * Bearer tokens the server accepts; when set, any other request but /healthz gets 401 as a real
   * server answers an expired or revoked token (default: no authentication).
   */
  tokens?: string[];
  /**
   * Store built-in kinds as a real server does, leaving out the `omitempty` fields that hold empty
   * or zero values (`nodeSelector: {}`, `hostNetwork: false`, …; see omitempty.ts). Default true;
   * false keeps every field as sent (the emulator's older behaviour).
   */
  omitEmpty?: boolean;
  /** Enforce RBAC for these identities (bearer token → user, groups); other callers are superusers (rbac.ts). */
  rbac?: RbacOptions;
  /** A bearer token kube-sim writes to a file and replaces every N ms; only the current one is accepted (token-rotation.ts). */
  rotateToken?: TokenRotationOptions;
  /** Server-side watch closes and how 410 Gone is told (watch-faults.ts). */
  watchFaults?: Partial<WatchFaults>;
  /** Aggregated APIs whose discovery fails with 503, CRDs served late (discovery-faults.ts). */
  discoveryFaults?: DiscoveryFaultOptions;
  /** Throttling (429), server errors, resets, latency, continue-token expiry (faults/settings.ts); default none. */
  faults?: FaultSettings;
  /** Other writers running inside the emulator (HPA, cainjector, …; writers/writer.ts); none by default. */
  writers?: WritersOptions;
}

/** Ready Nodes to seed, and what their well-known fields and labels say. */
export interface NodeSeed {
  count: number;
  /** spec.providerID becomes `<provider>://<node name>` (aws, gce, azure, …); unset leaves it out. */
  provider?: string;
  /** topology.kubernetes.io/region (default `local`; empty leaves the label out). */
  region?: string;
  /** topology.kubernetes.io/zone (unset leaves it out). */
  zone?: string;
  /** status.nodeInfo.kubeletVersion (default v1.33.0). */
  kubeletVersion?: string;
}

function nodeSeed(nodes: KubeSimOptions['nodes']): NodeSeed {
  return typeof nodes === 'object' ? nodes : { count: nodes ?? 1 };
}

export interface KubeSim {
  url: string;
  name: string;
  kubeconfigPath: string;
  /** The API layer: `api.store` holds the objects, `api.registry` the kinds. */
  api: Api;
  /** Requests served, by verb (get, list, watch, create, update, patch, apply, delete, deletecollection, discovery). */
  counters: Record<string, number>;
  resetCounters(): void;
  setSimulation(s: Partial<SimulationSettings>): void;
  /** Open watch connections. */
  watchers(): number;
  setBookmarkInterval(ms: number): void;
  /** Sets the watch lag (see KubeSimOptions.watchLagMs); 0 turns it off. */
  setWatchLag(ms: number): void;
  /** Replaces the accepted bearer tokens (a rotation); undefined turns authentication off. */
  setTokens(tokens: string[] | undefined): void;
  /**
   * Black hole: while on, requests are accepted and never answered, and every watch open at the
   * moment it is turned on goes silent for good without closing (a dead load balancer or a network
   * that drops packets). Turned off, new requests are served again.
   */
  setBlackHole(on: boolean): void;
  /** The rotating token (KubeSimOptions.rotateToken): its file, the current token, rotate() now. */
  readonly tokenRotation: TokenRotation | undefined;
  /** Starts (or, with undefined, stops) a rotating token; the file is written at once. */
  setTokenRotation(opts: TokenRotationOptions | undefined): TokenRotation | undefined;
  /** Changes the watch faults (KubeSimOptions.watchFaults); `{ closeAfterMs: 0 }` stops the closes. */
  setWatchFaults(f: Partial<WatchFaults>): void;
  /** Changes the discovery faults (KubeSimOptions.discoveryFaults). */
  setDiscoveryFaults(f: DiscoveryFaultOptions): void;
  /** Replaces the fault settings (KubeSimOptions.faults); `{}` turns every fault off. */
  setFaults(f: FaultSettings): void;
  /** Faults injected so far, by `kind/verb` (`throttle/apply`, `serverError/list`, `reset/get`, `expiredContinue/list`). */
  faultsInjected: Record<string, number>;
  /** Turns omitempty storage (KubeSimOptions.omitEmpty) on or off for later writes. */
  setOmitEmpty(on: boolean): void;
  /** The other writers (writers/writer.ts): `writers.set('hpa', { intervalMs })`, `writers.counts`. */
  writers: Writers;
  /** Drops the watch history: watches from an older resourceVersion then get 410 Gone. */
  compact(): void;
  /** Ends every open watch stream, as an API server restart or a load balancer would. */
  dropWatches(): void;
  close(): Promise<void>;
}

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function nodeObject(name: string, seed: NodeSeed): any {
  const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const region = seed.region ?? 'local';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...(region ? { 'topology.kubernetes.io/region': region } : {}),
        ...(seed.zone ? { 'topology.kubernetes.io/zone': seed.zone } : {}),
      },
    },
    spec: seed.provider ? { providerID: `${seed.provider}://${name}` } : {},
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
          lastHeartbeatTime: at,
          lastTransitionTime: at,
        },
      ],
      nodeInfo: {
        kubeletVersion: seed.kubeletVersion ?? 'v1.33.0',
        containerRuntimeVersion: 'containerd://2.0.0',
        osImage: 'kube-sim',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

function checkedLag(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > 600_000)
    throw new RangeError(`watch lag must be a whole number of milliseconds from 0 to 600000, got ${ms}`);
  return ms;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const s = toJson(body as object);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(s) });
  res.end(s);
}

export async function startKubeSim(opts: KubeSimOptions = {}): Promise<KubeSim> {
  const name = opts.name ?? 'kube-sim';
  const api = new Api(opts.historySize);
  api.omitEmpty = opts.omitEmpty ?? true;
  installDeleteHooks(api);
  const persister = opts.stateFile ? new Persister(api, opts.stateFile) : undefined;
  const loaded = persister?.load() ?? false;
  if (!loaded) {
    const nsType = api.registry.lookup('', 'v1', 'namespaces')!;
    for (const ns of DEFAULT_NAMESPACES)
      api.commit(
        nsType,
        undefined,
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: ns },
          spec: { finalizers: ['kubernetes'] },
          status: { phase: 'Active' },
        },
        { manager: 'kube-apiserver', dryRun: false },
      );
    const nodeType = api.registry.lookup('', 'v1', 'nodes')!;
    const seed = nodeSeed(opts.nodes);
    for (let i = 1; i <= seed.count; i++) {
      const node = api.commit(nodeType, undefined, nodeObject(`${name}-node-${i}`, seed), {
        manager: 'kubelet',
        dryRun: false,
      });
      api.commit(
        nodeType,
        node,
        { ...node, status: nodeObject(node.metadata.name, seed).status },
        { manager: 'kubelet', dryRun: false, subresource: 'status' },
      );
    }
  }
  if (persister) api.store.subscribe(() => persister.touch());
  const simSettings: SimulationSettings = {
    delayMs: 500,
    progressDeadlineScale: 1,
    ...(typeof opts.simulate === 'object' ? opts.simulate : {}),
  };
  const simulator = opts.simulate === false ? undefined : new Simulator(api, simSettings);
  const watches = new Watches(api.store);
  watches.lagMs = checkedLag(opts.watchLagMs ?? 0);
  watches.faults = watchFaults(opts.watchFaults);
  const discoveryFaults = new DiscoveryFaults(api, opts.discoveryFaults);
  let rotation = opts.rotateToken ? new TokenRotation(opts.rotateToken) : undefined;
  const writers = new Writers(api, opts.writers);
  const counters: Record<string, number> = {};
  const faults = new Faults(opts.faults);
  const ctx: HandlerContext = {
    api,
    watches,
    send,
    count: (verb) => (counters[verb] = (counters[verb] ?? 0) + 1),
    paging: faults,
  };

  let tokens = opts.tokens ? new Set(opts.tokens) : undefined;
  function authenticate(req: IncomingMessage, r: ReturnType<typeof route>): void {
    if ((!tokens && !rotation) || r.kind === 'healthz') return;
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (token !== undefined && (tokens?.has(token) || rotation?.accepts(token))) return;
    ctx.count('unauthorized');
    throw errors.unauthorized();
  }

  const rbac = opts.rbac ? new Rbac(api.store, opts.rbac) : undefined;

  let blackHole = false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestTarget(req.url ?? '/');
    const r = route(url.pathname, api.registry);
    if (blackHole && r.kind !== 'healthz') {
      req.resume(); // read, never answered
      return;
    }
    authenticate(req, r);
    if (discoveryFaults.intercept(url.pathname, res, send)) return;
    if (r.kind !== 'healthz') {
      const watch = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
      if (await faults.intercept(req, res, verbOf(req, r.kind === 'resource' ? r.r : undefined, watch))) return;
    }
    const id = r.kind === 'healthz' ? undefined : rbac?.identityOf(req.headers.authorization);
    if (id) {
      const q = parseQuery(url.searchParams);
      const scoped = authorizeRequest(rbac!, id, req, r, url.pathname, q, ctx);
      if (r.kind === 'resource') return handleResource(scoped, req, res, r.r, q);
    }
    if (r.kind === 'resource') return handleResource(ctx, req, res, r.r, parseQuery(url.searchParams));
    if (req.method !== 'GET') throw errors.methodNotAllowed(req.method ?? '', url.pathname);
    ctx.count('discovery');
    switch (r.kind) {
      case 'version':
        return send(res, 200, versionDoc());
      case 'healthz':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return void res.end('ok');
      case 'api':
        return send(res, 200, apiVersionsDoc());
      case 'apis':
        return send(res, 200, discoveryFaults.groupList(apiGroupListDoc(api.registry)));
      case 'group': {
        const doc = apiGroupDoc(api.registry, r.group);
        if (!doc) throw errors.noRoute();
        return send(res, 200, doc);
      }
      case 'resources':
        return send(res, 200, resourceListDoc(api.registry, r.group, r.version));
      case 'openapi-root':
        return send(res, 200, openapiRootDoc(api.registry));
      case 'openapi': {
        const doc = openapiGroupDoc(api.registry, r.group, r.version);
        if (!doc) throw errors.noRoute();
        return send(res, 200, doc);
      }
    }
    throw errors.noRoute();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof KubeError) {
        if (e.code === 413) res.setHeader('Connection', 'close');
        send(res, e.code, e.toStatus());
      } else
        send(
          res,
          500,
          statusBody(500, 'InternalError', `Internal error occurred: ${(e as Error)?.message ?? String(e)}`),
        );
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.address}:${addr.port}`;
  let tmp: string | undefined;
  const kubeconfigPath = opts.kubeconfigPath ?? join((tmp = mkdtempSync(join(tmpdir(), 'kube-sim-'))), 'kubeconfig');
  writeKubeconfig(kubeconfigPath, url, name);

  return {
    url,
    name,
    kubeconfigPath,
    api,
    counters,
    resetCounters: () => {
      for (const k of Object.keys(counters)) delete counters[k];
    },
    setSimulation: (s) => Object.assign(simSettings, s),
    watchers: () => watches.active,
    setBookmarkInterval: (ms) => (watches.bookmarkMs = ms),
    setWatchLag: (ms) => void (watches.lagMs = checkedLag(ms)),
    setTokens: (list) => void (tokens = list ? new Set(list) : undefined),
    setBlackHole: (on) => {
      blackHole = on;
      if (on) watches.silenceAll();
    },
    get tokenRotation() {
      return rotation;
    },
    setTokenRotation: (o) => {
      rotation?.stop();
      rotation = o ? new TokenRotation(o) : undefined;
      return rotation;
    },
    setWatchFaults: (f) => void (watches.faults = watchFaults(f, watches.faults)),
    setDiscoveryFaults: (f) => discoveryFaults.set(f),
    setFaults: (f) => faults.set(f),
    faultsInjected: faults.injected,
    setOmitEmpty: (on) => void (api.omitEmpty = on),
    writers,
    compact: () => {
      api.store.compact();
      faults.compacted(api.store.rv + 1);
    },
    dropWatches: () => watches.closeAll(),
    close: async () => {
      simulator?.stop();
      rotation?.stop();
      writers.stop();
      watches.closeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      persister?.save();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    },
  };
}

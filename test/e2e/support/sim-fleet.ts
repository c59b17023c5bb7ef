/**
 * A fleet of kube-sim clusters, each with a real agent in this process, over one shared Kustomize
 * base: the app's files (a Namespace, a ConfigMap carrying a message, a Deployment of an image),
 * a per-cluster path onto the base, and starting one cluster with its agent.
 */
import { join } from 'node:path';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { scaled } from '@flotilla/testing';
import { startAgent, type RunningAgent } from '../../../apps/agent/src/agent.js';
import type { AgentConfig } from '../../../apps/agent/src/config.js';
import { eventually } from '../../../apps/control-plane/test/support/agent.js';
import { createRegistrationToken, type Harness } from '../../../apps/control-plane/test/support/harness.js';

export interface SimCluster {
  name: string;
  tag: string;
}

/** The shared base `bases/app`: the Deployment runs `image`, the ConfigMap says `message`. */
export const appFiles = (image: string, message: string): Record<string, string> => ({
  'bases/app/kustomization.yaml': 'resources: [namespace.yaml, app.yaml]\n',
  'bases/app/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: app }\n',
  'bases/app/app.yaml': `apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: app }
data: { message: "${message}" }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: app }
spec:
  replicas: 1
  progressDeadlineSeconds: 600
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: "${image}" }] }
`,
});

/** Each cluster's path, onto the shared base. */
export const clusterPaths = (clusters: readonly SimCluster[]): Record<string, string> =>
  Object.fromEntries(clusters.map((c) => [`clusters/${c.name}/kustomization.yaml`, 'resources: [../../bases/app]\n']));

/** A kube-sim cluster (fast simulated rollouts) and a real agent registered for it with `token`. */
export async function startSimCluster(
  c: SimCluster,
  opts: { server: string; token: string; dir: string; agent?: Partial<AgentConfig> },
): Promise<{ sim: KubeSim; agent: RunningAgent }> {
  const sim = await startKubeSim({
    port: 0,
    name: c.name,
    simulate: { delayMs: 200, progressDeadlineScale: 0.005 },
    kubeconfigPath: join(opts.dir, `${c.name}.kubeconfig`),
  });
  const agent = await startAgent({
    server: opts.server,
    token: opts.token,
    name: c.name,
    stateDir: join(opts.dir, 'agents', c.name),
    kubeconfig: sim.kubeconfigPath,
    facts: { provider: 'kube-sim', region: c.tag, kubeVersion: 'v1.33.0', nodeCount: 1 },
    logLevel: 'silent',
    resyncSeconds: 600,
    healthTimeoutSeconds: Math.ceil(scaled(30_000) / 1000),
    ...opts.agent,
  }).catch(async (error: unknown) => {
    await sim.close();
    throw error;
  });
  return { sim, agent };
}

export interface SimFleet {
  /** Each cluster's kube-sim, by cluster name. */
  sims: Map<string, KubeSim>;
  /** Stops the agents, then the kube-sims. */
  close(): Promise<void>;
}

/**
 * Every cluster on its own kube-sim with a real agent, registered with one token per tag that
 * carries `tagsOf(tag)` (default: the tag alone).
 */
export async function startSimFleet(
  h: Harness,
  clusters: readonly SimCluster[],
  opts: { dir: string; tagsOf?: (tag: string) => string[]; agent?: Partial<AgentConfig> },
): Promise<SimFleet> {
  const tokens = new Map<string, string>();
  for (const tag of new Set(clusters.map((c) => c.tag))) {
    const uses = clusters.filter((c) => c.tag === tag).length;
    const tags = opts.tagsOf?.(tag) ?? [tag];
    tokens.set(tag, (await createRegistrationToken(h, { name: tag, tags, maxUses: uses * 2 })).token);
  }
  const sims = new Map<string, KubeSim>();
  const agents: RunningAgent[] = [];
  await Promise.all(
    clusters.map(async (c) => {
      const started = await startSimCluster(c, {
        server: h.cp.url,
        token: tokens.get(c.tag)!,
        dir: opts.dir,
        ...(opts.agent ? { agent: opts.agent } : {}),
      });
      sims.set(c.name, started.sim);
      agents.push(started.agent);
    }),
  );
  return {
    sims,
    close: async () => {
      await Promise.all(agents.map((a) => a.stop()));
      await Promise.all([...sims.values()].map((s) => s.close()));
    },
  };
}

/** Waits until every cluster reports it runs `revision`, Healthy. */
export const fleetSettledOn = (h: Harness, revision: string, what: string, timeoutMs = 180_000) =>
  eventually(
    async () =>
      (
        await h.gql(`{ clusters(first: 50) { edges { node { name sync { revision appliedRevision health } } } } }`)
      ).data.clusters.edges.every(
        (e: any) =>
          e.node.sync.revision === revision &&
          e.node.sync.appliedRevision === revision &&
          e.node.sync.health === 'HEALTHY',
      ),
    timeoutMs,
    what,
  );

/**
 * Cluster facts read from a real (kube-sim) API server: node count, oldest kubelet version,
 * provider from spec.providerID and region from the well-known labels — sent at registration and
 * in heartbeats when no flag says otherwise; flags win; an unreachable cluster stops nothing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim, type NodeSeed } from '@flotilla/kube-sim';
import { freePort, startNats, type TestNats } from '@flotilla/testing';
import { startAgent, type AgentConfig, type RunningAgent } from '../src/index.js';
import { FactsReader } from '../src/facts/facts-reader.js';
import { KubeClient } from '../src/kube/kube-client.js';
import { loadKubeconfig } from '../src/kube/kubeconfig.js';
import { startFakeHub, type FakeHub } from './support/fake-hub.js';

const TOKEN = 'flt_good_registration_token';
const silent = pino({ level: 'silent' });
const AWS: NodeSeed = {
  count: 3,
  provider: 'aws',
  region: 'eu-west-1',
  zone: 'eu-west-1a',
  kubeletVersion: 'v1.32.4',
};

describe('cluster facts from the cluster', () => {
  let nats: TestNats;
  let hub: FakeHub;
  const sims: KubeSim[] = [];
  const dirs: string[] = [];
  const running: RunningAgent[] = [];
  const clients: KubeClient[] = [];

  beforeAll(async () => {
    nats = await startNats();
    hub = await startFakeHub({ trust: nats.trust, natsUrl: nats.url, token: TOKEN, heartbeatIntervalSeconds: 1 });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.stop()));
    for (const c of clients.splice(0)) c.close();
    await Promise.all(sims.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await hub?.close();
    await nats?.[Symbol.asyncDispose]();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  const sim = async (nodes: NodeSeed) => {
    const s = await startKubeSim({ simulate: false, nodes });
    sims.push(s);
    return s;
  };
  const reader = (s: KubeSim, configured: AgentConfig['facts'] = {}) => {
    const client = new KubeClient(loadKubeconfig(s.kubeconfigPath));
    clients.push(client);
    return new FactsReader({ client, configured, logger: silent });
  };
  const config = async (name: string, over: Partial<AgentConfig>): Promise<AgentConfig> => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-agent-facts-'));
    dirs.push(dir);
    return {
      server: hub.url,
      token: TOKEN,
      name,
      stateDir: join(dir, 'state'),
      facts: {},
      logLevel: 'silent',
      backoff: { initialMs: 50, maxMs: 300 },
      ...over,
    };
  };

  it('reads node count, kubelet version, provider and region from the Nodes', async () => {
    const r = reader(await sim(AWS));
    expect(r.current()).toEqual({ provider: 'unknown', region: 'unknown', kubeVersion: 'unknown', nodeCount: 0 });
    await r.refresh();
    expect(r.current()).toEqual({ provider: 'aws', region: 'eu-west-1', kubeVersion: 'v1.32.4', nodeCount: 3 });
  });

  it('reports the zone where the nodes carry no region label, and 0 nodes for a cluster without Nodes', async () => {
    const zoned = reader(await sim({ count: 2, region: '', zone: 'store-0042', provider: 'k3s' }));
    await zoned.refresh();
    expect(zoned.current()).toMatchObject({ provider: 'k3s', region: 'store-0042', nodeCount: 2 });
    const empty = reader(await sim({ count: 0 }));
    await empty.refresh();
    expect(empty.current()).toEqual({ provider: 'unknown', region: 'unknown', kubeVersion: 'unknown', nodeCount: 0 });
  });

  it('sees a node added to the cluster on its next read', async () => {
    const s = await sim({ count: 1, provider: 'gce', region: 'europe-west1' });
    const r = reader(s);
    await r.refresh();
    expect(r.current().nodeCount).toBe(1);
    const res = await fetch(`${s.url}/api/v1/nodes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'added' } }),
    });
    expect(res.status).toBe(201);
    await r.refresh();
    expect(r.current()).toMatchObject({ nodeCount: 2, provider: 'gce', region: 'europe-west1' });
  });

  it('registers and heartbeats with the facts its cluster gives when no flag says them', async () => {
    const s = await sim(AWS);
    const agent = await startAgent(await config('facts-from-cluster', { kubeconfig: s.kubeconfigPath }), {
      logger: silent,
    });
    running.push(agent);
    const sent = hub.registrations.find((r) => r.name === 'facts-from-cluster')!;
    expect(sent.facts).toMatchObject({ provider: 'aws', region: 'eu-west-1', kubeVersion: 'v1.32.4', nodeCount: 3 });
  });

  it('lets flags win over what the cluster says', async () => {
    const s = await sim(AWS);
    const c = await config('facts-flags-win', {
      kubeconfig: s.kubeconfigPath,
      facts: { provider: 'on-prem', region: 'basement' },
    });
    running.push(await startAgent(c, { logger: silent }));
    const sent = hub.registrations.find((r) => r.name === 'facts-flags-win')!;
    expect(sent.facts).toMatchObject({ provider: 'on-prem', region: 'basement', kubeVersion: 'v1.32.4', nodeCount: 3 });
  });

  it('keeps what it knew when the cluster cannot be reached, and stops nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-agent-facts-'));
    dirs.push(dir);
    const kubeconfig = join(dir, 'kubeconfig');
    const port = await freePort(); // nothing listens there
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: c, cluster: { server: "http://127.0.0.1:' + port + '" } }]',
        'users: [{ name: u, user: {} }]',
        'contexts: [{ name: c, context: { cluster: c, user: u } }]',
        'current-context: c',
        '',
      ].join('\n'),
    );
    const client = new KubeClient(loadKubeconfig(kubeconfig));
    clients.push(client);
    const r = new FactsReader({ client, configured: { nodeCount: 5 }, logger: silent, timeoutMs: 2_000 });
    await expect(r.refresh()).resolves.toBeUndefined();
    expect(r.current()).toEqual({ provider: 'unknown', region: 'unknown', kubeVersion: 'unknown', nodeCount: 5 });
  });
});

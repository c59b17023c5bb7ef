import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER_LABEL } from '../src/render/renderer.js';
import { webApp } from './support/manifests.js';
import { startReconcileEnv, waitFor, type ReconcileEnv } from './support/reconcile-env.js';

describe('reconcile: a first apply', () => {
  let env: ReconcileEnv;
  beforeAll(async () => {
    env = await startReconcileEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('lists each kind once for the plan and starts its watches after writing, so its own writes are not streamed back one by one', async () => {
    const rev = await env.git.commit({ files: webApp(), message: 'web app' });
    // What the server had seen when each object of ours was first written.
    const atFirstWrite: Array<{ watches: number; lists: number }> = [];
    const off = env.sim.api.store.subscribe((e: { obj?: { metadata?: { labels?: Record<string, string> } } }) => {
      if (e.obj?.metadata?.labels?.[OWNER_LABEL] === env.clusterId)
        atFirstWrite.push({ watches: env.sim.counters['watch'] ?? 0, lists: env.sim.counters['list'] ?? 0 });
    });
    env.sim.resetCounters();
    const runtime = await env.startAgent();
    await env.putDesired({ revision: rev });
    const [report] = await env.waitSync((r) => r.length >= 1);
    off();
    expect(report).toMatchObject({ revision: rev, state: 'Synced', health: 'Healthy' });
    expect(report!.objects.map((o) => o.action)).toEqual(['created', 'created', 'created', 'created']);
    // Namespace, ConfigMap, Service and Deployment listed once each for the plan (plus the namespace
    // check's own list) before anything was written, and no watch open yet.
    expect(atFirstWrite[0]).toEqual({ watches: 0, lists: 5 });
    // After the apply every kind is watched and the watch cache holds every object, from its list.
    expect(env.sim.counters['watch']).toBe(4);
    expect(runtime.live.size).toBe(4);
  });

  it('then plans from the watch cache: a resync lists no kind again and writes nothing', async () => {
    const runtime = await env.startAgent();
    await env.waitSync((r) => r.length >= 2);
    env.sim.resetCounters();
    await runtime.loop.trigger('test resync');
    const reports = await env.waitSync((r) => r.length >= 3);
    expect(reports.at(-1)!.objects.every((o) => o.action === 'unchanged')).toBe(true);
    expect(env.sim.counters['list']).toBe(1); // the namespace check's, as on every pass
    expect((env.sim.counters['apply'] ?? 0) + (env.sim.counters['patch'] ?? 0)).toBe(0);
  });

  it('still heals a hand edit made right after the first apply', async () => {
    const url = new URL(env.sim.url);
    const res = await fetch(`${url.origin}/apis/apps/v1/namespaces/web/deployments/web?fieldManager=kubectl-edit`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { replicas: 7 } }),
    });
    expect(res.status).toBe(200);
    await waitFor(
      () => (env.sim.api.store.get('deployments.apps', 'web', 'web') as { spec: { replicas: number } }).spec.replicas,
      (n) => n === 2,
      10_000,
      'the hand edit reverted',
    );
  });
});

/**
 * The agent against a loaded, unhealthy API server (kube-sim's faults): 429s with Retry-After,
 * server errors and connections reset mid-answer are retried with bounded backoff (Retry-After
 * honoured) and counted, never failing the pass; lists are paged and start over when a continue
 * token expires, with the right result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { KubeApiError, KubeClient } from '../src/kube/kube-client.js';
import { loadKubeconfig } from '../src/kube/kubeconfig.js';
import { listAll } from '../src/kube/list-pages.js';
import { configMap, deployment, namespace } from './support/manifests.js';
import { startReconcileEnv, type ReconcileEnv } from './support/reconcile-env.js';

const CM = '/api/v1/namespaces/default/configmaps';

describe('the Kubernetes client under faults', () => {
  let sim: KubeSim;
  let client: KubeClient;
  const fresh = (limits: ConstructorParameters<typeof KubeClient>[1] = {}) =>
    new KubeClient(loadKubeconfig(sim.kubeconfigPath), limits);

  beforeAll(async () => {
    sim = await startKubeSim({ port: 0, simulate: false });
    client = fresh({ retry: { initialBackoffMs: 10, maxBackoffMs: 50 } });
    for (let i = 0; i < 12; i++)
      await client.request('POST', CM, {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${String(i).padStart(2, '0')}` } },
      });
  });
  afterAll(async () => {
    client?.close();
    await sim?.close();
  });

  it('waits out a 429 for its Retry-After and sends it again, counting the retry', async () => {
    sim.setFaults({ throttle: { get: 0.5 }, retryAfterSeconds: 1 });
    const before = client.retries;
    const started = performance.now();
    const res = await client.request<{ metadata: { name: string } }>('GET', `${CM}/cm-01`);
    expect(res.body.metadata.name).toBe('cm-01');
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(client.retries - before).toBe(1);
    expect(sim.faultsInjected['throttle/get']).toBe(1);
  });

  it('gives up after its bounded retries with the 429, and never retries a create after a 5xx', async () => {
    sim.setFaults({ throttle: { get: 1 }, retryAfterSeconds: 0 });
    const err = await client.request('GET', `${CM}/cm-01`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ status: 429, reason: 'TooManyRequests' });
    expect((err as Error).message).toContain('Too many requests, please try again later.');
    expect(sim.faultsInjected['throttle/get']).toBe(1 + 1 + 5); // the test above, the first try, 5 retries

    sim.setFaults({ serverErrors: { create: 1 } });
    const created = await client
      .request('POST', CM, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'once' } } })
      .catch((e: unknown) => e);
    expect(created).toMatchObject({ status: 500, reason: 'InternalError' });
    expect(sim.faultsInjected['serverError/create']).toBe(1);
  });

  it('retries server errors and mid-answer resets of reads and applies', async () => {
    sim.setFaults({ serverErrors: { apply: 0.5, list: 0.5 }, serverErrorCode: 503, resets: { get: 0.5 } });
    const before = client.retries;
    const applied = await client.request<{ data: Record<string, string> }>('PATCH', `${CM}/cm-02?fieldManager=t`, {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-02' }, data: { a: '1' } },
      contentType: 'application/apply-patch+yaml',
    });
    expect(applied.body.data).toEqual({ a: '1' });
    const got = await client.request<{ data: Record<string, string> }>('GET', `${CM}/cm-02`);
    expect(got.body.data).toEqual({ a: '1' });
    const listed = await client.request<{ items: unknown[] }>('GET', CM);
    expect(listed.body.items.length).toBeGreaterThanOrEqual(12);
    expect(client.retries - before).toBe(3);
    expect(sim.faultsInjected).toMatchObject({ 'serverError/apply': 1, 'serverError/list': 1, 'reset/get': 1 });
  });

  it('lists a page at a time and starts over when a continue token expires, with the right result', async () => {
    sim.setFaults({});
    const all = (await client.request<{ items: Array<{ metadata: { name: string } }> }>('GET', CM)).body.items.map(
      (i) => i.metadata.name,
    );
    sim.resetCounters();
    const paged = await listAll<{ metadata: { name: string } }>(client, CM, { pageSize: 5 });
    expect(paged.items.map((i) => i.metadata.name)).toEqual(all);
    expect(sim.counters['list']).toBe(Math.ceil(all.length / 5));
    expect(paged.restarts).toBe(0);

    // Every second continue expires: the first restart's second page, …; the result is still whole.
    sim.setFaults({ expireContinue: 0.5 });
    const restarted = await listAll<{ metadata: { name: string } }>(client, CM, { pageSize: 5 });
    expect(restarted.items.map((i) => i.metadata.name)).toEqual(all);
    expect(restarted.restarts).toBeGreaterThanOrEqual(1);

    // Every continue expires: after two restarts, one unpaged list.
    sim.setFaults({ expireContinue: 1 });
    sim.resetCounters();
    const unpaged = await listAll<{ metadata: { name: string } }>(client, CM, { pageSize: 5 });
    expect(unpaged.items.map((i) => i.metadata.name)).toEqual(all);
    expect(unpaged.restarts).toBe(3);
    expect(sim.counters['list']).toBe(3 * 2 + 1);
    sim.setFaults({});
  });
});

describe('a reconcile pass under faults', () => {
  let env: ReconcileEnv;

  beforeAll(async () => {
    env = await startReconcileEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('converges with no failed object under 429s, 5xx and resets, and reports its retries', async () => {
    env.sim.setFaults({
      throttle: { apply: 0.2, list: 0.3, get: 0.2, watch: 0.3 },
      retryAfterSeconds: 1,
      serverErrors: { apply: 0.1, list: 0.2 },
      resets: { apply: 0.1, get: 0.2, watch: 0.3 },
      expireContinue: 0.5,
    });
    await env.startAgent({
      kubeLimits: { listPageSize: 3, retry: { initialBackoffMs: 20, maxBackoffMs: 100 } },
    });
    const files: Record<string, string> = { 'clusters/edge/ns.yaml': namespace('busy') };
    for (let i = 0; i < 12; i++) files[`clusters/edge/cm-${i}.yaml`] = configMap('busy', `cm-${i}`, { idx: String(i) });
    files['clusters/edge/app.yaml'] = deployment('busy', 'app');
    const rev = await env.git.commit({ files, message: 'busy cluster' });
    await env.putDesired({ revision: rev });
    const reports = await env.waitSync((r) => r.some((x) => x.revision === rev), 30_000);
    const report = reports.find((x) => x.revision === rev)!;
    expect(report.error, JSON.stringify(report.error)).toBeUndefined();
    expect(report.state).toBe('Synced');
    expect(report.objects.filter((o) => o.action === 'failed')).toEqual([]);
    expect(report.kubeRetries).toBeGreaterThan(0);
    for (let i = 0; i < 12; i++)
      expect(env.sim.api.store.get('configmaps', 'busy', `cm-${i}`)?.data).toEqual({ idx: String(i) });
    expect(env.sim.faultsInjected['throttle/apply']).toBeGreaterThan(0);
    expect(env.sim.faultsInjected['reset/apply']).toBeGreaterThan(0);
  });
});

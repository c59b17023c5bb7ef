// The same scenarios through @kubernetes/client-node 1.4 (KubernetesObjectApi and an
// informer), so both clients agree on kube-sim's behaviour.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeSim, startKubeSim } from '../src/index.js';
import { until } from './kubectl-runner.js';

let sim: KubeSim;
let client: k8s.KubernetesObjectApi;
let kc: k8s.KubeConfig;

const ssa = k8s.PatchStrategy.ServerSideApply;

function cm(
  data: Record<string, string>,
  name = 'settings',
  namespace = 'default',
): k8s.KubernetesObject & { data: Record<string, string> } {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { app: 'demo' } }, data };
}

async function failure(p: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await p;
  } catch (e: any) {
    return { code: e.code, body: typeof e.body === 'string' ? JSON.parse(e.body) : e.body };
  }
  throw new Error('expected the request to fail');
}

beforeAll(async () => {
  sim = await startKubeSim({ port: 0, simulate: { delayMs: 100, progressDeadlineScale: 0.01 } });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  client = k8s.KubernetesObjectApi.makeApiClient(kc);
});

afterAll(async () => {
  await sim?.close();
});

describe('@kubernetes/client-node against kube-sim', () => {
  it('server-side apply creates, a re-apply is a no-op, and managedFields name the manager', async () => {
    const created = await client.patch(cm({ a: '1' }), undefined, undefined, 'flotilla', undefined, ssa);
    const again = await client.patch(cm({ a: '1' }), undefined, undefined, 'flotilla', undefined, ssa);
    expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(again.metadata?.managedFields?.map((m) => [m.manager, m.operation])).toEqual([['flotilla', 'Apply']]);
  });

  it('a merge patch by another manager makes the next apply conflict until forced', async () => {
    await client.patch(
      cm({ a: 'drift' }),
      undefined,
      undefined,
      'kubectl-patch',
      undefined,
      k8s.PatchStrategy.MergePatch,
    );
    const err = await failure(client.patch(cm({ a: '1' }), undefined, undefined, 'flotilla', false, ssa));
    expect(err.code).toBe(409);
    expect(err.body.details.causes[0]).toMatchObject({ reason: 'FieldManagerConflict', field: '.data.a' });
    expect(err.body.message).toContain('"kubectl-patch"');
    const forced = await client.patch(cm({ a: '1' }), undefined, undefined, 'flotilla', true, ssa);
    expect((forced as any).data.a).toBe('1');
    expect(forced.metadata?.managedFields?.map((m) => m.manager)).toEqual(['flotilla']);
  });

  it('read, list and replace with a stale resourceVersion (409)', async () => {
    const live = await client.read({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
    });
    const list = await client.list(
      'v1',
      'ConfigMap',
      'default',
      undefined,
      undefined,
      undefined,
      undefined,
      'app=demo',
    );
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['settings']);
    await client.replace({ ...live, data: { a: 'replaced' } } as k8s.KubernetesObject, undefined, undefined, 'editor');
    const stale = await failure(
      client.replace({ ...live, data: { a: 'stale' } } as k8s.KubernetesObject, undefined, undefined, 'editor'),
    );
    expect(stale.code).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
  });

  it('starts with a Ready node and the usual namespaces', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const nodes = await core.listNode();
    expect(
      nodes.items.map((n) => [n.metadata?.name, n.status?.conditions?.find((c) => c.type === 'Ready')?.status]),
    ).toEqual([['kube-sim-node-1', 'True']]);
    const namespaces = await core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toEqual(
      expect.arrayContaining(['default', 'kube-system', 'kube-public']),
    );
  });

  it('a missing namespace is a 404 naming the namespace', async () => {
    const err = await failure(
      client.patch(cm({ a: '1' }, 'x', 'nowhere'), undefined, undefined, 'flotilla', undefined, ssa),
    );
    expect(err.code).toBe(404);
    expect(err.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'namespaces "nowhere" not found',
      details: { name: 'nowhere', kind: 'namespaces' },
    });
  });

  it('a CRD registers its kind and the custom resource is served at once', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', shortNames: ['gdg'] },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    };
    await client.patch(crd, undefined, undefined, 'flotilla', undefined, ssa);
    const g = {
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g1', namespace: 'default' },
      spec: { size: 1 },
      status: { ignored: true },
    };
    const created: any = await client.patch(g, undefined, undefined, 'flotilla', undefined, ssa);
    expect(created.spec).toEqual({ size: 1 });
    expect(created.status).toBeUndefined();
    expect(created.metadata.generation).toBe(1);
    const est: any = await client.read({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
    });
    expect(est.status.conditions.find((c: any) => c.type === 'Established').status).toBe('True');
  });

  it('a simulated Deployment becomes Available and a :broken one reports ProgressDeadlineExceeded', async () => {
    const dep = (name: string, image: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'default' },
      spec: {
        replicas: 2,
        progressDeadlineSeconds: 60,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
      },
    });
    await client.patch(dep('good', 'nginx:1'), undefined, undefined, 'flotilla', undefined, ssa);
    await client.patch(dep('bad', 'nginx:broken'), undefined, undefined, 'flotilla', undefined, ssa);
    const cond = async (name: string, type: string) => {
      const d: any = await client.read({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: 'default' },
      });
      return d.status?.conditions?.find((c: any) => c.type === type);
    };
    await until(async () => (await cond('good', 'Available'))?.status === 'True', 5_000, 'good Available');
    await until(
      async () => (await cond('bad', 'Progressing'))?.reason === 'ProgressDeadlineExceeded',
      5_000,
      'bad ProgressDeadlineExceeded',
    );
    expect((await cond('bad', 'Available')).status).toBe('False');
  });

  it('scales through the scale subresource and patches with a JSON patch', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await apps.patchNamespacedDeploymentScale(
      { name: 'good', namespace: 'default', body: { spec: { replicas: 4 } } },
      merge,
    );
    const scale = await apps.readNamespacedDeploymentScale({ name: 'good', namespace: 'default' });
    expect(scale.spec?.replicas).toBe(4);
    expect(scale.status?.selector).toBe('app=good');
    const dep = await apps.readNamespacedDeployment({ name: 'good', namespace: 'default' });
    expect(dep.metadata?.managedFields?.find((m) => m.subresource === 'scale')?.fieldsV1).toEqual({
      'f:spec': { 'f:replicas': {} },
    });
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const patched = await core.patchNamespacedConfigMap({
      name: 'settings',
      namespace: 'default',
      fieldManager: 'json-patcher',
      body: [{ op: 'add', path: '/data/extra', value: 'x' }],
    });
    expect(patched.data).toMatchObject({ extra: 'x' });
    expect(patched.metadata?.managedFields?.find((m) => m.manager === 'json-patcher')?.fieldsV1).toEqual({
      'f:data': { 'f:extra': {} },
    });
  });

  it('deleting an object with a finalizer leaves it with a deletionTimestamp until the finalizer is removed', async () => {
    const held = {
      ...cm({ a: '1' }, 'held'),
      metadata: { name: 'held', namespace: 'default', finalizers: ['example.com/hold'] },
    };
    await client.patch(held, undefined, undefined, 'flotilla', undefined, ssa);
    await client.delete(held);
    const still = await client.read(held);
    expect(still.metadata?.deletionTimestamp).toBeTruthy();
    await client.patch(
      { ...held, metadata: { ...held.metadata, finalizers: null } } as any,
      undefined,
      undefined,
      'cleaner',
      undefined,
      k8s.PatchStrategy.MergePatch,
    );
    expect((await failure(client.read(held))).code).toBe(404);
  });

  it('an informer lists, then sees adds, updates and deletes', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(
      kc,
      '/api/v1/namespaces/default/configmaps',
      () => core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'app=watched' }),
      'app=watched',
    );
    const events: string[] = [];
    informer.on('add', (o) => events.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => events.push(`update ${o.metadata?.name} ${(o as any).data.v}`));
    informer.on('delete', (o) => events.push(`delete ${o.metadata?.name}`));
    await informer.start();
    try {
      const w = { ...cm({ v: '1' }, 'w1'), metadata: { name: 'w1', namespace: 'default', labels: { app: 'watched' } } };
      await client.patch(w, undefined, undefined, 'flotilla', undefined, ssa);
      await client.patch({ ...w, data: { v: '2' } }, undefined, undefined, 'flotilla', undefined, ssa);
      await client.delete(w);
      await until(() => events.length >= 3, 5_000, 'informer events');
      expect(events).toEqual(['add w1', 'update w1 2', 'delete w1']);
      expect(informer.list('default')).toEqual([]);
    } finally {
      await informer.stop().catch(() => undefined);
    }
  });
});

describe('@kubernetes/client-node informer across a dropped watch', () => {
  it('relists after a 410 Gone and keeps seeing changes', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(
      kc,
      '/api/v1/namespaces/default/configmaps',
      () => core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'app=relist' }),
      'app=relist',
    );
    const names = new Set<string>();
    informer.on('add', (o) => names.add(o.metadata!.name!));
    await informer.start();
    try {
      const relist = (name: string) => ({
        ...cm({ v: '1' }, name),
        metadata: { name, namespace: 'default', labels: { app: 'relist' } },
      });
      await client.patch(relist('before'), undefined, undefined, 'flotilla', undefined, ssa);
      await until(() => names.has('before'), 5_000, 'first add');
      const lists = sim.counters.list ?? 0;
      // In one tick, before the informer can reconnect: drop its watch, change something, forget history.
      sim.dropWatches();
      sim.api.apply(sim.api.registry.lookup('', 'v1', 'configmaps')!, 'default', 'between', relist('between'), {
        manager: 'other',
        dryRun: false,
        force: false,
      });
      sim.compact();
      await client.patch(relist('after'), undefined, undefined, 'flotilla', undefined, ssa);
      await until(() => names.has('after') && names.has('between'), 10_000, 'adds after the relist');
      expect(sim.counters.list ?? 0).toBeGreaterThan(lists);
    } finally {
      await informer.stop().catch(() => undefined);
    }
  });
});

// Object lifecycle over HTTP: deletion propagation, namespace and CRD cascades, discovery
// of CRD kinds, status subresource, dry run, simulated Jobs and state persistence.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeSim, startKubeSim } from '../src/index.js';
import { until } from './kubectl-runner.js';

let sim: KubeSim;
const dir = mkdtempSync(join(tmpdir(), 'kube-sim-life-'));

async function call(method: string, path: string, body?: unknown, contentType = 'application/json', base = sim.url) {
  const res = await fetch(`${base}${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'Content-Type': contentType },
  });
  return { status: res.status, body: (await res.json()) as any };
}

const ns = (name: string) =>
  call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const cm = (namespace: string, name: string, extra: Record<string, unknown> = {}) =>
  call('POST', `/api/v1/namespaces/${namespace}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...extra },
    data: { a: '1' },
  });

beforeAll(async () => {
  sim = await startKubeSim({ port: 0, simulate: { delayMs: 50 }, stateFile: join(dir, 'state.json') });
});

afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('deletion', () => {
  it('deleting a namespace deletes what is in it, then the namespace', async () => {
    await ns('doomed');
    await cm('doomed', 'one');
    await cm('doomed', 'two');
    const del = await call('DELETE', '/api/v1/namespaces/doomed');
    expect(del.status).toBe(200);
    expect((await call('GET', '/api/v1/namespaces/doomed/configmaps')).body.items).toEqual([]);
    expect((await call('GET', '/api/v1/namespaces/doomed')).status).toBe(404);
  });

  it('a namespace held by an object with a finalizer stays Terminating and refuses new content', async () => {
    await ns('held');
    await cm('held', 'keep', { finalizers: ['example.com/x'] });
    const first = await call('DELETE', '/api/v1/namespaces/held');
    expect(first.status).toBe(200);
    expect(first.body.metadata.deletionTimestamp).toBeTruthy();
    const again = await call('DELETE', '/api/v1/namespaces/held');
    expect(again.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    const n = await call('GET', '/api/v1/namespaces/held');
    expect(n.body.status.phase).toBe('Terminating');
    expect((await cm('held', 'new')).status).toBe(403);
    await call(
      'PATCH',
      '/api/v1/namespaces/held/configmaps/keep',
      { metadata: { finalizers: null } },
      'application/merge-patch+json',
    );
    expect((await call('GET', '/api/v1/namespaces/held')).status).toBe(404);
  });

  it('background propagation deletes dependents; Orphan keeps them without the owner reference', async () => {
    const owner = (await cm('default', 'owner')).body;
    const ref = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }];
    await cm('default', 'child', { ownerReferences: ref });
    await call('DELETE', '/api/v1/namespaces/default/configmaps/owner', { propagationPolicy: 'Background' });
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/child')).status).toBe(404);
    const owner2 = (await cm('default', 'owner2')).body;
    await cm('default', 'orphan', { ownerReferences: [{ ...ref[0], name: 'owner2', uid: owner2.metadata.uid }] });
    await call('DELETE', '/api/v1/namespaces/default/configmaps/owner2?propagationPolicy=Orphan');
    const orphan = await call('GET', '/api/v1/namespaces/default/configmaps/orphan');
    expect(orphan.status).toBe(200);
    expect(orphan.body.metadata.ownerReferences).toBeUndefined();
  });

  it('foreground propagation keeps the owner until a finalizer-held dependent is gone', async () => {
    const owner = (await cm('default', 'fg-owner')).body;
    await cm('default', 'fg-child', {
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'fg-owner', uid: owner.metadata.uid }],
      finalizers: ['example.com/slow'],
    });
    const del = await call('DELETE', '/api/v1/namespaces/default/configmaps/fg-owner', {
      propagationPolicy: 'Foreground',
    });
    expect(del.status).toBe(200);
    expect(del.body.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(
      (await call('GET', '/api/v1/namespaces/default/configmaps/fg-owner')).body.metadata.deletionTimestamp,
    ).toBeTruthy();
    await call(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/fg-child',
      { metadata: { finalizers: null } },
      'application/merge-patch+json',
    );
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/fg-child')).status).toBe(404);
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/fg-owner')).status).toBe(404);
  });
});

describe('custom resource definitions', () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'backups.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'backups', kind: 'Backup', shortNames: ['bk'] },
      versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} } }],
    },
  };

  it('appear in discovery at once with short names, and leave it with their objects when deleted', async () => {
    await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    const rl = await call('GET', '/apis/example.com/v1');
    expect(rl.body.resources.find((r: any) => r.name === 'backups')).toMatchObject({
      kind: 'Backup',
      namespaced: true,
      shortNames: ['bk'],
    });
    expect((await call('GET', '/apis')).body.groups.map((g: any) => g.name)).toContain('example.com');
    await call('POST', '/apis/example.com/v1/namespaces/default/backups', {
      apiVersion: 'example.com/v1',
      kind: 'Backup',
      metadata: { name: 'b' },
      spec: { when: 'now' },
    });
    await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/backups.example.com');
    expect((await call('GET', '/apis/example.com/v1/namespaces/default/backups/b')).status).toBe(404);
    expect((await call('GET', '/apis')).body.groups.map((g: any) => g.name)).not.toContain('example.com');
  });

  it('serve an object written through one version through every served version', async () => {
    const multi = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'tasks.example.org' },
      spec: {
        group: 'example.org',
        scope: 'Namespaced',
        names: { plural: 'tasks', kind: 'Task' },
        versions: [
          { name: 'v1', served: true, storage: true },
          { name: 'v1beta1', served: true, storage: false },
        ],
      },
    };
    expect((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', multi)).status).toBe(201);
    await call('POST', '/apis/example.org/v1beta1/namespaces/default/tasks', {
      apiVersion: 'example.org/v1beta1',
      kind: 'Task',
      metadata: { name: 't' },
      spec: { x: 1 },
    });
    const v1 = await call('GET', '/apis/example.org/v1/namespaces/default/tasks/t');
    expect(v1.body).toMatchObject({ apiVersion: 'example.org/v1', spec: { x: 1 } });
    const list = await call('GET', '/apis/example.org/v1/tasks');
    expect(list.body.items.map((i: any) => i.apiVersion)).toEqual(['example.org/v1']);
  });
});

describe('writes', () => {
  it('the status subresource changes only status, and main writes keep status and bump generation on spec changes', async () => {
    // The simulator would write status on its own between these calls on a busy machine.
    sim.setSimulation({ delayMs: 60_000 });
    await call('POST', '/apis/apps/v1/namespaces/default/statefulsets', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { a: 'db' } },
        template: { metadata: { labels: { a: 'db' } }, spec: { containers: [{ name: 'db', image: 'pg:broken' }] } },
      },
    });
    const put = await call(
      'PATCH',
      '/apis/apps/v1/namespaces/default/statefulsets/db/status',
      { status: { replicas: 7 }, spec: { replicas: 9 } },
      'application/merge-patch+json',
    );
    expect(put.body.status.replicas).toBe(7);
    expect(put.body.spec.replicas).toBe(1);
    const main = await call(
      'PATCH',
      '/apis/apps/v1/namespaces/default/statefulsets/db',
      { status: { replicas: 0 }, spec: { replicas: 3 } },
      'application/merge-patch+json',
    );
    expect(main.body.status.replicas).toBe(7);
    expect(main.body.metadata.generation).toBe(2);
    sim.setSimulation({ delayMs: 50 });
  });

  it('a PUT that leaves out server-defaulted fields changes nothing, not even generation', async () => {
    sim.setSimulation({ delayMs: 60_000 });
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'plain' },
      spec: {
        selector: { matchLabels: { a: 'p' } },
        template: { metadata: { labels: { a: 'p' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      },
    };
    const created = (await call('POST', '/apis/apps/v1/namespaces/default/deployments', dep)).body;
    expect(created.spec.strategy.type).toBe('RollingUpdate');
    const put = (await call('PUT', '/apis/apps/v1/namespaces/default/deployments/plain', dep)).body;
    expect(put.metadata.generation).toBe(1);
    expect(put.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    sim.setSimulation({ delayMs: 50 });
  });

  it('dryRun=All returns the result without storing it', async () => {
    const r = await call('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dry' },
    });
    expect(r.status).toBe(201);
    expect(r.body.metadata.name).toBe('dry');
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/dry')).status).toBe(404);
  });

  it('simulated Pods run (or wait on a :broken image), claims bind and load balancers get an address', async () => {
    const pod = (name: string, image: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { containers: [{ name: 'c', image }] },
    });
    await call('POST', '/api/v1/namespaces/default/pods', pod('runs', 'nginx:1'));
    await call('POST', '/api/v1/namespaces/default/pods', pod('stuck', 'nginx:broken'));
    await call('POST', '/api/v1/namespaces/default/persistentvolumeclaims', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
    });
    await call('POST', '/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'lb' },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
    });
    const get = async (path: string) => (await call('GET', path)).body;
    await until(
      async () => (await get('/api/v1/namespaces/default/pods/runs')).status?.phase === 'Running',
      5000,
      'pod to run',
    );
    await until(
      async () => (await get('/api/v1/namespaces/default/services/lb')).status?.loadBalancer?.ingress?.length === 1,
      5000,
      'load balancer address',
    );
    expect((await get('/api/v1/namespaces/default/persistentvolumeclaims/data')).status).toMatchObject({
      phase: 'Bound',
      capacity: { storage: '2Gi' },
    });
    const stuck = await get('/api/v1/namespaces/default/pods/stuck');
    expect(stuck.status.phase).toBe('Pending');
    expect(stuck.status.containerStatuses[0].state.waiting.reason).toBe('ImagePullBackOff');
  });

  it('a simulated Job completes', async () => {
    await call('POST', '/apis/batch/v1/namespaces/default/jobs', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await until(
      async () => (await call('GET', '/apis/batch/v1/namespaces/default/jobs/once')).body.status?.succeeded === 1,
      5000,
      'job to complete',
    );
    const job = (await call('GET', '/apis/batch/v1/namespaces/default/jobs/once')).body;
    expect(job.status.conditions.find((c: any) => c.type === 'Complete').status).toBe('True');
  });
});

describe('persistence', () => {
  it('a restarted kube-sim with the same state file has the same objects and resourceVersions', async () => {
    await ns('kept');
    const saved = (await cm('kept', 'survivor')).body;
    await sim.close();
    sim = await startKubeSim({ port: 0, simulate: false, stateFile: join(dir, 'state.json') });
    const back = await call('GET', '/api/v1/namespaces/kept/configmaps/survivor');
    expect(back.status).toBe(200);
    expect(back.body.metadata).toMatchObject({
      uid: saved.metadata.uid,
      resourceVersion: saved.metadata.resourceVersion,
    });
    const next = (await cm('kept', 'later')).body;
    expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(Number(saved.metadata.resourceVersion));
  });
});

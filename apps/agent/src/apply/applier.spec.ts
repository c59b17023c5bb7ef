import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { objectId, sortForApply, type KubeObject } from '@flotilla/gitops';
import { describe, expect, it } from 'vitest';
import type { LiveCache } from '../drift/live-cache.js';
import type { Discovery, ResourceInfo } from '../kube/discovery.js';
import { PlanAction, type PlannedObject } from '../plan/planner.js';
import { AppliedObjects } from './applied-objects.js';
import { Applier } from './applier.js';
import { KubeApiError } from '../kube/kube-client.js';
import type { ServerApply } from './server-apply.js';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

/** A server that takes `ms` per write and records when each write starts and ends. */
function recordingServer(ms: number) {
  const events: string[] = [];
  const server = {
    async apply(_info: ResourceInfo, o: KubeObject) {
      events.push(`start ${o.kind}/${o.metadata.name}`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`end ${o.kind}/${o.metadata.name}`);
      return { status: 201, body: o };
    },
  };
  return { events, server: server as unknown as ServerApply };
}

const live = { get: () => undefined, watch: async () => undefined } as unknown as LiveCache;

describe('Applier', () => {
  it('writes in stages — namespaces, cluster config, namespaced objects and workloads together, webhooks last', async () => {
    const objects = sortForApply([
      obj('v1', 'Namespace', 'a'),
      obj('v1', 'Namespace', 'b'),
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'),
      ...Array.from({ length: 12 }, (_, i) => obj('v1', 'ConfigMap', `cm-${String(i).padStart(2, '0')}`, 'a')),
      obj('v1', 'Service', 'web', 'a'),
      obj('apps/v1', 'Deployment', 'web', 'a'),
      obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'hook'),
    ]);
    const plan = {
      revision: 'r',
      dryRuns: 0,
      objects: objects.map((o): PlannedObject => ({
        id: objectId(o),
        obj: o,
        digest: 'd',
        file: 'f.yaml',
        info: {
          apiVersion: o.apiVersion,
          kind: o.kind,
          plural: `${o.kind.toLowerCase()}s`,
          namespaced: !!o.metadata.namespace,
        },
        action: PlanAction.Create,
      })),
    };
    const { events, server } = recordingServer(5);
    const applied = new AppliedObjects(await mkdtemp(join(tmpdir(), 'applier-')));
    const results = await new Applier(server, {} as Discovery, applied, live, { concurrency: 4 }).apply(plan);

    expect(results.map((r) => r.action)).toEqual(objects.map(() => 'created'));
    expect(results.map((r) => r.id)).toEqual(objects.map(objectId));
    const at = (e: string) => events.indexOf(e);
    const starts = (kind: string) => events.filter((e) => e.startsWith(`start ${kind}/`)).map(at);
    const ends = (kind: string) => events.filter((e) => e.startsWith(`end ${kind}/`)).map(at);
    // A stage starts once the one before is done.
    expect(Math.max(...ends('Namespace'))).toBeLessThan(Math.min(...starts('ClusterRole')));
    expect(Math.max(...ends('ClusterRole'))).toBeLessThan(Math.min(...starts('ConfigMap')));
    expect(Math.max(...ends('Deployment'), ...ends('ConfigMap'), ...ends('Service'))).toBeLessThan(
      at('start ValidatingWebhookConfiguration/hook'),
    );
    // Within the namespaced stage, workloads do not wait for every ConfigMap to be written.
    expect(at('start Deployment/web')).toBeLessThan(Math.max(...ends('ConfigMap')));
    // …but go out in apply order, four at a time.
    expect(events.filter((e) => e.startsWith('start')).map((e) => e.slice(6))).toEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
    );
  });

  it('records the version each write made as verified, so the watch event of that write costs no diff', async () => {
    const cm = obj('v1', 'ConfigMap', 'settings', 'a');
    const server = {
      apply: async (_i: ResourceInfo, o: KubeObject) => ({
        status: 201,
        body: { ...o, metadata: { ...o.metadata, resourceVersion: '42' } },
      }),
    } as unknown as ServerApply;
    const applied = new AppliedObjects(await mkdtemp(join(tmpdir(), 'applier-')));
    const plan = {
      revision: 'r',
      dryRuns: 0,
      objects: [
        {
          id: objectId(cm),
          obj: cm,
          digest: 'd',
          file: 'f.yaml',
          info: { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
          action: PlanAction.Create,
        },
      ],
    };
    await new Applier(server, {} as Discovery, applied, live).apply(plan);
    expect(applied.isVerified(objectId(cm), '42')).toBe(true);
    expect(applied.isVerified(objectId(cm), '43')).toBe(false);
  });

  it('fails a kind its own CRD defines but discovery does not serve yet as retryable; a 503 discovery or an unknown kind alone', async () => {
    const crd = {
      ...obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'gadgets.late.example.com'),
      spec: { group: 'late.example.com', names: { kind: 'Gadget' }, versions: [{ name: 'v1', served: true }] },
    };
    const objects = [
      crd,
      obj('late.example.com/v1', 'Gadget', 'g1', 'a'),
      obj('wardle.example.com/v1', 'Flunder', 'f1', 'a'),
      obj('nowhere.example.com/v1', 'Thing', 't1', 'a'),
      obj('v1', 'ConfigMap', 'fine', 'a'),
    ];
    const infoOf = (o: KubeObject): ResourceInfo => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      plural: `${o.kind.toLowerCase()}s`,
      namespaced: o.kind !== 'CustomResourceDefinition',
    });
    const asked: string[] = [];
    const discovery = {
      resourceFor: async (apiVersion: string, kind: string) => {
        asked.push(`${apiVersion}/${kind}`);
        if (kind === 'CustomResourceDefinition') return infoOf(crd);
        if (apiVersion.startsWith('wardle.'))
          throw new KubeApiError(503, 'ServiceUnavailable', `GET /apis/${apiVersion}: 503 service unavailable`);
        return undefined;
      },
      forget: () => undefined,
    } as unknown as Discovery;
    const server = {
      apply: async (_i: ResourceInfo, o: KubeObject) => ({ status: 201, body: o }),
      client: {
        request: async () => ({ body: { status: { conditions: [{ type: 'Established', status: 'True' }] } } }),
      },
    } as unknown as ServerApply;
    const plan = {
      revision: 'r',
      dryRuns: 0,
      objects: objects.map((o): PlannedObject => ({
        id: objectId(o),
        obj: o,
        digest: 'd',
        file: `${o.metadata.name}.yaml`,
        info: o.kind === 'CustomResourceDefinition' || o.kind === 'ConfigMap' ? infoOf(o) : undefined,
        action: PlanAction.Create,
      })),
    };
    const applied = new AppliedObjects(await mkdtemp(join(tmpdir(), 'applier-')));
    const results = await new Applier(server, discovery, applied, live, { crdTimeoutMs: 300 }).apply(plan);
    const by = new Map(results.map((r) => [r.obj.metadata.name, r]));
    expect(by.get('gadgets.late.example.com')?.action).toBe('created');
    expect(by.get('fine')?.action).toBe('created');
    expect(by.get('g1')).toMatchObject({ action: 'failed', retryable: true });
    expect(by.get('g1')?.message).toMatch(
      /late\.example\.com\/v1\/Gadget is not served yet, though its CRD is Established/,
    );
    expect(by.get('f1')).toMatchObject({ action: 'failed', retryable: true });
    expect(by.get('f1')?.message).toMatch(/discovery of wardle\.example\.com\/v1 failed: .*503/);
    expect(by.get('t1')).toMatchObject({ action: 'failed', retryable: false });
    expect(by.get('t1')?.message).toMatch(/nowhere\.example\.com\/v1\/Thing is not served by the cluster/);
    // The CRD's kind was asked for again and again while waiting, not once.
    expect(asked.filter((a) => a === 'late.example.com/v1/Gadget').length).toBeGreaterThan(2);
  });
});

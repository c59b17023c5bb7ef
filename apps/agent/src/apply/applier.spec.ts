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
});

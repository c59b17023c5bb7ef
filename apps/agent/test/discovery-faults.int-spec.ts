/**
 * Discovery as it fails on real clusters. An aggregated API whose backend is down (kube-sim answers
 * 503 for its group/version, still named in /apis): the agent applies and prunes everything else,
 * the objects of that group fail alone, named with their file and the error, and land once the API
 * is back. A CRD whose kind is served a moment after it is Established: the agent applying the CRD
 * and its objects in one pass waits for discovery and the revision ends Synced, never failed for good.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configMap, namespace } from './support/manifests.js';
import { startReconcileEnv, type ReconcileEnv } from './support/reconcile-env.js';

const crd = (group: string, kind: string, plural: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: ${plural}, singular: ${kind.toLowerCase()}, kind: ${kind} }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;
const custom = (group: string, kind: string, name: string) => `apiVersion: ${group}/v1
kind: ${kind}
metadata: { name: ${name}, namespace: disc }
spec: { size: 3 }
`;

describe('discovery failures', () => {
  let env: ReconcileEnv;

  beforeAll(async () => {
    env = await startReconcileEnv();
    await env.startAgent();
  });
  afterEach(() => {
    env.sim.setDiscoveryFaults({ unavailable: [], crdServeDelayMs: 0 });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('an aggregated API answering 503 fails only its own objects; the rest are applied and pruned', async () => {
    // The aggregated group's kind exists (served by an APIService in a real cluster; a CRD here).
    const crdType = env.sim.api.registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
    const { parse } = await import('yaml');
    env.sim.api.commit(crdType, undefined, parse(crd('wardle.example.com', 'Flunder', 'flunders')), {
      manager: 'kube-aggregator',
      dryRun: false,
    });
    const first = await env.git.commit({
      files: {
        'clusters/edge/ns.yaml': namespace('disc'),
        'clusters/edge/old.yaml': configMap('disc', 'old'),
      },
      message: 'first',
    });
    await env.putDesired({ revision: first });
    await env.waitSync((r) => r.some((x) => x.revision === first && x.state === 'Synced'));

    env.sim.setDiscoveryFaults({ unavailable: ['wardle.example.com/v1', 'metrics.k8s.io/v1beta1'] });
    const second = await env.git.commit({
      files: {
        'clusters/edge/ns.yaml': namespace('disc'),
        'clusters/edge/old.yaml': null,
        'clusters/edge/new.yaml': configMap('disc', 'new', { key: 'fresh' }),
        'clusters/edge/flunder.yaml': custom('wardle.example.com', 'Flunder', 'fido'),
      },
      message: 'second: a Flunder while its API is down',
    });
    await env.putDesired({ revision: second });
    const reports = await env.waitSync((r) => r.some((x) => x.revision === second));
    const report = reports.find((x) => x.revision === second)!;
    expect(report.state).toBe('Failed');
    expect(report.error).toMatchObject({ stage: 'apply', retryable: true, file: 'clusters/edge/flunder.yaml' });
    expect(report.error!.reason).toMatch(/discovery of wardle\.example\.com\/v1 failed: .*503/);
    const byName = new Map(report.objects.map((o) => [`${o.kind}/${o.name}`, o]));
    expect(byName.get('Flunder/fido')).toMatchObject({ action: 'failed' });
    expect(byName.get('ConfigMap/new')).toMatchObject({ action: 'created' });
    expect(byName.get('ConfigMap/old')).toMatchObject({ action: 'deleted' });
    expect(env.sim.api.store.get('configmaps', 'disc', 'new')).toBeDefined();
    expect(env.sim.api.store.get('configmaps', 'disc', 'old')).toBeUndefined();
    expect(env.sim.api.store.get('flunders.wardle.example.com', 'disc', 'fido')).toBeUndefined();

    // The API comes back: a retry lands the Flunder.
    env.sim.setDiscoveryFaults({ unavailable: [] });
    await env.waitSync((r) => r.some((x) => x.revision === second && x.state === 'Synced'), 30_000);
    expect(env.sim.api.store.get('flunders.wardle.example.com', 'disc', 'fido')).toBeDefined();
  });

  it('a CRD served a moment after Established: its objects are applied in the same pass', async () => {
    env.sim.setDiscoveryFaults({ crdServeDelayMs: 1_500 });
    const rev = await env.git.commit({
      files: {
        'clusters/edge/ns.yaml': namespace('disc'),
        'clusters/edge/new.yaml': configMap('disc', 'new', { key: 'fresh' }),
        'clusters/edge/flunder.yaml': custom('wardle.example.com', 'Flunder', 'fido'),
        'clusters/edge/gadgets.yaml': crd('late.example.com', 'Gadget', 'gadgets'),
        'clusters/edge/gadget.yaml': custom('late.example.com', 'Gadget', 'g1'),
      },
      message: 'a CRD and its object',
    });
    const established = Date.now();
    await env.putDesired({ revision: rev });
    const reports = await env.waitSync((r) => r.some((x) => x.revision === rev));
    const report = reports.find((x) => x.revision === rev)!;
    expect(report.state, JSON.stringify(report.error)).toBe('Synced');
    expect(report.objects.find((o) => o.kind === 'Gadget')).toMatchObject({ action: 'created' });
    expect(Date.now() - established).toBeGreaterThanOrEqual(1_400);
    expect(env.sim.api.store.get('gadgets.late.example.com', 'disc', 'g1')).toBeDefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployment, namespace } from './support/manifests.js';
import { startReconcileEnv, type ReconcileEnv } from './support/reconcile-env.js';

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;
const widget = `apiVersion: example.com/v1
kind: Widget
metadata: { name: gear, namespace: shop }
spec: { size: 3 }
`;

describe('apply order and health', () => {
  let env: ReconcileEnv;
  beforeAll(async () => {
    env = await startReconcileEnv({ simulate: { delayMs: 300, progressDeadlineScale: 0.01 } });
    await env.startAgent({ healthTimeoutSeconds: 3 });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('applies a CRD first, waits until it is Established, then its custom resources, in one pass', async () => {
    const rev = await env.git.commit({
      files: {
        'clusters/edge/a-widget.yaml': widget,
        'clusters/edge/crd.yaml': crd,
        'clusters/edge/ns.yaml': namespace('shop'),
      },
      message: 'crd',
    });
    await env.putDesired({ revision: rev });
    const report = (await env.waitSync((r) => r.some((x) => x.revision === rev))).find((x) => x.revision === rev)!;
    expect(report.state).toBe('Synced');
    expect(report.objects.map((o) => `${o.kind}:${o.action}`)).toEqual([
      'Namespace:created',
      'CustomResourceDefinition:created',
      'Widget:created',
    ]);
    expect(env.sim.api.store.get('widgets.example.com', 'shop', 'gear')).toBeDefined();
  });

  it('waits for a Deployment to roll out and reports it Healthy', async () => {
    const rev = await env.git.commit({
      files: { 'clusters/edge/app.yaml': deployment('shop', 'web', 2) },
      message: 'deploy',
    });
    await env.putDesired({ revision: rev });
    const report = (await env.waitSync((r) => r.some((x) => x.revision === rev))).find((x) => x.revision === rev)!;
    expect(report.health).toBe('Healthy');
    expect(report.objects.find((o) => o.kind === 'Deployment')).toMatchObject({ action: 'created', health: 'Healthy' });
    expect(report.durationMs).toBeGreaterThanOrEqual(250);
  });

  it('reports a Deployment that never becomes available as Degraded or Progressing, after the timeout', async () => {
    const rev = await env.git.commit({
      files: { 'clusters/edge/app.yaml': deployment('shop', 'web', 2, 'nginx:broken') },
      message: 'broken image',
    });
    await env.putDesired({ revision: rev });
    const report = (await env.waitSync((r) => r.some((x) => x.revision === rev), 20_000)).find(
      (x) => x.revision === rev,
    )!;
    expect(report.state).toBe('Synced');
    expect(['Degraded', 'Progressing']).toContain(report.health);
    expect(report.objects.find((o) => o.kind === 'Deployment')!.health).toBe(report.health);
  });
});

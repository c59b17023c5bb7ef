// The agent against a kube-sim that stores built-in kinds as a real API server does (omitempty
// fields left out, defaults filled in): a Helm-style manifest full of empty and zero values is
// Synced, stays Synced through resyncs and status/annotation writes by others with no drift
// report and no write, and a hand edit of a field it sets (even to a value the server stores as
// absent) is still reverted.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectId, type KubeObject } from '@flotilla/gitops';
import type { ReconcileRuntime } from '../src/reconcile/runtime.js';
import { namespace } from './support/manifests.js';
import { startReconcileEnv, waitFor, type ReconcileEnv } from './support/reconcile-env.js';

const helmStyle = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: chart
  namespace: helm
  annotations: {}
  labels: {app: chart}
spec:
  replicas: 1
  minReadySeconds: 0
  selector: {matchLabels: {app: chart}}
  template:
    metadata:
      labels: {app: chart}
      annotations: {}
    spec:
      nodeSelector: {}
      tolerations: []
      affinity: {}
      hostNetwork: false
      serviceAccountName: ""
      imagePullSecrets: []
      securityContext: {}
      volumes: [{name: tmp, emptyDir: {}}]
      containers:
      - name: app
        image: nginx:1.27
        args: []
        env: []
        envFrom: []
        ports: [{name: http, containerPort: 80, protocol: TCP, hostPort: 0}]
        resources: {limits: {}, requests: {}}
        volumeMounts: [{name: tmp, mountPath: /tmp, readOnly: false, subPath: ""}]
        readinessProbe: {httpGet: {path: /, port: http}, initialDelaySeconds: 0, periodSeconds: 10}
        securityContext: {}
---
apiVersion: v1
kind: Service
metadata: {name: chart, namespace: helm, labels: {}, annotations: {}}
spec:
  type: ClusterIP
  clusterIP: ""
  externalIPs: []
  selector: {app: chart}
  ports: [{name: http, port: 80, targetPort: http, nodePort: 0}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: chart-config, namespace: helm, annotations: {}}
data: {}
binaryData: {}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: chart, namespace: helm, labels: {}}
imagePullSecrets: []
`;

describe('agent against realistic storage (omitempty, defaults): no false drift', () => {
  let env: ReconcileEnv;
  let runtime: ReconcileRuntime;
  const deploymentType = () => env.sim.api.registry.lookup('apps', 'v1', 'deployments')!;
  const stored = () => env.sim.api.store.get('deployments.apps', 'helm', 'chart') as KubeObject & { spec: any };

  beforeAll(async () => {
    env = await startReconcileEnv();
    const rev = await env.git.commit({
      files: { 'clusters/edge/ns.yaml': namespace('helm'), 'clusters/edge/chart.yaml': helmStyle },
      message: 'helm-style chart',
    });
    runtime = await env.startAgent();
    await env.putDesired({ revision: rev, selfHeal: true });
    await env.waitSync((r) => r.some((x) => x.state === 'Synced' && x.health === 'Healthy'));
  });
  afterAll(async () => {
    await env?.close();
  });

  it('the server left the empty fields out: the live objects differ from the manifest', () => {
    const spec = stored().spec.template.spec;
    expect(spec.nodeSelector).toBeUndefined();
    expect(spec.hostNetwork).toBeUndefined();
    expect(spec.containers[0].args).toBeUndefined();
    expect(stored().metadata.annotations).toBeUndefined();
  });

  it('resyncs and other writers (status, an annotation) cause no drift report and no write', async () => {
    const deploy = deploymentType();
    for (let i = 0; i < 5; i++) {
      // Another manager's annotation and a status write: watch events the drift check diffs.
      env.sim.api.patch(
        deploy,
        'helm',
        'chart',
        'merge',
        { metadata: { annotations: { 'example.com/tick': String(i) } } },
        { manager: 'someone-else', dryRun: false, force: false },
      );
      const cur = stored();
      env.sim.api.commit(
        deploy,
        cur,
        { ...cur, status: { ...(cur['status'] as object), observedGeneration: cur.metadata['generation'] } },
        { manager: 'kube-controller-manager', dryRun: false, subresource: 'status' },
      );
    }
    await waitFor(
      () => runtime.live.get(objectId(stored()))?.metadata.annotations?.['example.com/tick'],
      (v) => v === '4',
      10_000,
      'the agent to see the last annotation',
    );
    await runtime.drift.settled();
    env.sim.resetCounters();
    for (let i = 0; i < 5; i++) {
      const before = (await env.syncReports()).length;
      await runtime.loop.trigger('resync');
      const last = (await env.waitSync((r) => r.length > before)).at(-1)!;
      expect(last.state).toBe('Synced');
      expect(last.objects.filter((o) => o.action !== 'unchanged')).toEqual([]);
    }
    await runtime.drift.settled();
    expect(await env.driftReports()).toEqual([]);
    expect(env.sim.counters['apply'] ?? 0).toBe(0);
    expect(env.sim.counters['patch'] ?? 0).toBe(0);
    expect(env.sim.counters['update'] ?? 0).toBe(0);
  });

  it('a restarted agent without its applied digests decides by dry-run: still nothing written', async () => {
    await env.stopAgent();
    await rm(join(env.stateDir, 'applied.json'), { force: true });
    const versions = () =>
      ['deployments.apps', 'services', 'configmaps', 'serviceaccounts'].map(
        (r) =>
          (env.sim.api.store.get(r, 'helm', r === 'configmaps' ? 'chart-config' : 'chart') as KubeObject).metadata[
            'resourceVersion'
          ],
      );
    const before = versions();
    const reports = (await env.syncReports()).length;
    runtime = await env.startAgent();
    const last = (await env.waitSync((r) => r.length > reports)).at(-1)!;
    expect(last.state).toBe('Synced');
    expect(last.objects.filter((o) => o.action !== 'unchanged')).toEqual([]);
    expect(versions()).toEqual(before);
    await runtime.drift.settled();
    expect(await env.driftReports()).toEqual([]);
  });

  it('a hand edit of a field the manifest sets to false is drift and is reverted', async () => {
    const deploy = deploymentType();
    env.sim.api.patch(
      deploy,
      'helm',
      'chart',
      'strategic',
      { spec: { template: { spec: { hostNetwork: true } } } },
      { manager: 'kubectl-edit', dryRun: false, force: false },
    );
    const [drift] = await env.waitDrift((r) => r.length > 0);
    expect(drift).toMatchObject({
      object: { kind: 'Deployment', name: 'chart' },
      fields: ['spec.template.spec.hostNetwork'],
      resolution: 'reverted',
    });
    await waitFor(
      () => stored().spec.template.spec.hostNetwork,
      (v) => v === undefined,
      5000,
      'hostNetwork back to false (stored as absent)',
    );
  });
});

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaled } from '@flotilla/testing';
import { objectId, type KubeObject } from '@flotilla/gitops';
import type { ReconcileRuntime } from '../src/reconcile/runtime.js';
import { secret, webApp } from './support/manifests.js';
import { kubectl, kubectlPath } from './support/kubectl.js';
import { startReconcileEnv, waitFor, type ReconcileEnv } from './support/reconcile-env.js';

describe('drift: detected with who did it, healed within a second, or only reported', () => {
  let env: ReconcileEnv;
  let k: (...args: string[]) => Promise<string>;
  let rev: string;
  let runtime: ReconcileRuntime;
  const web = () => env.sim.api.store.get('deployments.apps', 'web', 'web') as KubeObject;
  /**
   * The Deployment has settled in kube-sim (its simulated rollout is done) and the agent has seen
   * its latest version, checked it for drift and delivered every report: whatever it would do about
   * a change, it has done.
   */
  const agentCaughtUp = async () => {
    await waitFor(
      () => {
        const o = web() as KubeObject & { spec: { replicas: number }; status?: { readyReplicas?: number } };
        const seen = runtime.live.get(objectId(o));
        return (
          o.status?.readyReplicas === o.spec.replicas &&
          seen?.metadata['resourceVersion'] === o.metadata['resourceVersion']
        );
      },
      (done) => done,
      10_000,
      'the Deployment settled and seen by the agent',
    );
    await runtime.drift.settled();
    await waitFor(
      () => runtime.outbox.backlog,
      (n) => n === 0,
      10_000,
      'reports delivered',
    );
  };
  const replicas = () =>
    (env.sim.api.store.get('deployments.apps', 'web', 'web') as { spec: { replicas: number } }).spec.replicas;

  beforeAll(async () => {
    env = await startReconcileEnv();
    const bin = await kubectlPath();
    k = (...args) => kubectl(bin, env.sim.kubeconfigPath, join(env.stateDir, '..', 'kubectl-cache'), args);
    rev = await env.git.commit({
      files: { ...webApp('web', 2), 'clusters/edge/secret.yaml': secret('web', 'creds', { password: 'hunter2' }) },
      message: 'web',
    });
    runtime = await env.startAgent();
    await env.putDesired({ revision: rev, selfHeal: true });
    await env.waitSync((r) => r.some((x) => x.state === 'Synced'));
  });
  afterAll(async () => {
    await env?.close();
  });

  it('reverts kubectl scale in under a second and reports the field and kubectl as the manager', async () => {
    const before = (await env.driftReports()).length;
    await k('scale', 'deployment/web', '-n', 'web', '--replicas=5');
    const [drift] = (await env.waitDrift((r) => r.length > before)).slice(before);
    expect(drift).toMatchObject({
      clusterId: env.clusterId,
      revision: rev,
      object: { kind: 'Deployment', namespace: 'web', name: 'web' },
      fields: ['spec.replicas'],
      resolution: 'reverted',
    });
    expect(drift!.managers.some((m) => m.startsWith('kubectl'))).toBe(true);
    expect(drift!.revertLatencyMs).toBeLessThan(scaled(1000));
    await waitFor(replicas, (n) => n === 2, 2000, 'replicas back to 2');
  });

  it('reverts kubectl patch on a config map, naming kubectl-patch', async () => {
    const before = (await env.driftReports()).length;
    await k('patch', 'configmap/web-config', '-n', 'web', '--type=merge', '-p', '{"data":{"key":"hacked"}}');
    const [drift] = (await env.waitDrift((r) => r.length > before)).slice(before);
    expect(drift).toMatchObject({
      object: { kind: 'ConfigMap', name: 'web-config' },
      fields: ['data.key'],
      managers: ['kubectl-patch'],
      resolution: 'reverted',
    });
    await waitFor(
      () => (env.sim.api.store.get('configmaps', 'web', 'web-config') as { data: Record<string, string> }).data['key'],
      (v) => v === 'value',
      2000,
      'config restored',
    );
  });

  it('reports Secret drift by key name only, never the value', async () => {
    const before = (await env.driftReports()).length;
    await k(
      'patch',
      'secret/creds',
      '-n',
      'web',
      '--type=merge',
      '-p',
      JSON.stringify({ data: { password: Buffer.from('stolen-value').toString('base64') } }),
    );
    const [drift] = (await env.waitDrift((r) => r.length > before)).slice(before);
    expect(drift).toMatchObject({
      object: { kind: 'Secret', name: 'creds' },
      fields: ['data.password'],
      resolution: 'reverted',
    });
    expect(JSON.stringify(drift)).not.toMatch(/stolen|hunter2|c3RvbGVu|aHVudGVy/);
  });

  it('keeps detecting drift after its watches are dropped and the history is compacted (410 Gone)', async () => {
    env.sim.compact();
    env.sim.dropWatches();
    await waitFor(
      () => env.sim.watchers(),
      (n) => n > 0,
      5000,
      'watches re-established',
    );
    const before = (await env.driftReports()).length;
    await k('scale', 'deployment/web', '-n', 'web', '--replicas=3');
    const [drift] = (await env.waitDrift((r) => r.length > before)).slice(before);
    expect(drift).toMatchObject({ object: { kind: 'Deployment', name: 'web' }, resolution: 'reverted' });
    await waitFor(replicas, (n) => n === 2, 2000, 'replicas back to 2');
  });

  it('recreates an object someone deleted', async () => {
    const before = (await env.driftReports()).length;
    await k('delete', 'configmap/web-config', '-n', 'web');
    const [drift] = (await env.waitDrift((r) => r.length > before)).slice(before);
    expect(drift).toMatchObject({ object: { kind: 'ConfigMap', name: 'web-config' }, resolution: 'reverted' });
    await waitFor(
      () => env.sim.api.store.get('configmaps', 'web', 'web-config'),
      (v) => v !== undefined,
      2000,
      'config recreated',
    );
  });

  it('in alert-only mode reports the drift once and leaves the change', async () => {
    await env.putDesired({ revision: rev, selfHeal: false });
    await waitFor(
      () => env.syncReports(),
      (r) => r.length >= 2,
      5000,
      'resync after the desired change',
    );
    const before = (await env.driftReports()).length;
    await k('scale', 'deployment/web', '-n', 'web', '--replicas=7');
    const [drift] = (await env.waitDrift((r) => r.length > before)).slice(before);
    expect(drift).toMatchObject({
      object: { kind: 'Deployment', name: 'web' },
      fields: ['spec.replicas'],
      resolution: 'reported',
    });
    expect(drift!.revertedAt).toBeUndefined();
    await agentCaughtUp();
    expect(replicas()).toBe(7);
    expect((await env.driftReports()).length).toBe(before + 1);
  });

  it('in alert-only mode a resync leaves the drifted object too, and reports OutOfSync', async () => {
    expect(replicas()).toBe(7);
    runtime = await env.startAgent();
    const before = (await env.syncReports()).length;
    await runtime.loop.trigger('resync');
    const last = (await env.waitSync((r) => r.length > before)).at(-1)!;
    expect(last.state).toBe('OutOfSync');
    expect(last.objects.find((o) => o.kind === 'Deployment')).toMatchObject({ action: 'skipped' });
    expect(last.objects.filter((o) => o.kind !== 'Deployment').every((o) => o.action === 'unchanged')).toBe(true);
    expect(replicas()).toBe(7);
  });

  it('an unrelated field written by another manager is not drift', async () => {
    await env.putDesired({ revision: rev, selfHeal: true });
    await waitFor(replicas, (n) => n === 2, 5000, 'reconcile restores replicas');
    const before = (await env.driftReports()).length;
    await k('annotate', 'deployment/web', '-n', 'web', 'team=blue');
    await waitFor(
      () => runtime.live.get(objectId(web()))?.metadata.annotations?.['team'],
      (team) => team === 'blue',
      5000,
      'the agent to see the annotation',
    );
    await agentCaughtUp();
    expect((await env.driftReports()).length).toBe(before);
    expect(replicas()).toBe(2);
  });
});

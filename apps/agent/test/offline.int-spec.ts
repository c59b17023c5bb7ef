import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer } from '@flotilla/testing';
import type { ReconcileRuntime } from '../src/reconcile/runtime.js';
import { configMap, webApp } from './support/manifests.js';
import { kubectl, kubectlPath } from './support/kubectl.js';
import { startReconcileEnv, waitFor, type ReconcileEnv } from './support/reconcile-env.js';

describe('offline: Git or NATS unreachable', () => {
  let env: ReconcileEnv;
  let runtime: ReconcileRuntime;
  let good: string;
  let k: (...args: string[]) => Promise<string>;
  const replicas = () =>
    (env.sim.api.store.get('deployments.apps', 'web', 'web') as { spec: { replicas: number } }).spec.replicas;

  beforeAll(async () => {
    env = await startReconcileEnv();
    const bin = await kubectlPath();
    k = (...args) => kubectl(bin, env.sim.kubeconfigPath, join(env.stateDir, '..', 'kubectl-cache'), args);
    good = await env.git.commit({ files: webApp(), message: 'good' });
    runtime = await env.startAgent();
    await env.putDesired({ revision: good });
    await env.waitSync((r) => r.some((x) => x.revision === good && x.state === 'Synced'));
  });
  afterAll(async () => {
    await env?.close();
  });

  it('with Git unreachable reports sourceAvailable false, keeps the applied state and keeps healing', async () => {
    const gone = await startGitServer();
    const rev = await gone.commit({
      files: { 'clusters/edge/x.yaml': configMap('web', 'never') },
      message: 'unreachable',
    });
    await gone.close();
    await env.putDesired({ revision: rev, repoUrl: gone.url });
    const report = (await env.waitSync((r) => r.some((x) => x.revision === rev))).find((x) => x.revision === rev)!;
    expect(report).toMatchObject({
      state: 'Failed',
      sourceAvailable: false,
      appliedRevision: good,
      objects: [],
      error: { stage: 'source', code: 'SOURCE_UNAVAILABLE', retryable: true },
    });
    expect(report.error!.reason).toContain('cannot fetch');
    expect(env.sim.api.store.get('configmaps', 'web', 'web-config')).toBeDefined();
    await k('scale', 'deployment/web', '-n', 'web', '--replicas=4');
    await waitFor(replicas, (n) => n === 2, 2000, 'drift healed while Git is down');
    await env.putDesired({ revision: good, repoUrl: env.git.url });
    await env.waitSync((r) => r.at(-1)?.revision === good && r.at(-1)?.state === 'Synced');
  });

  it('with NATS down keeps healing and queues reports; delivers them in order, once each, when NATS returns', async () => {
    // Everything from before is delivered first: a report still queued would count as a new one.
    await waitFor(
      () => runtime.outbox.backlog,
      (n) => n === 0,
      5000,
      'earlier reports delivered',
    );
    const before = await env.syncReports();
    const beforeDrift = await env.driftReports();
    await env.nats.stop();
    await k('scale', 'deployment/web', '-n', 'web', '--replicas=6');
    await waitFor(replicas, (n) => n === 2, 2000, 'healed with NATS down');
    await k('patch', 'configmap/web-config', '-n', 'web', '--type=merge', '-p', '{"data":{"key":"offline-edit"}}');
    await waitFor(
      () => (env.sim.api.store.get('configmaps', 'web', 'web-config') as { data: Record<string, string> }).data['key'],
      (v) => v === 'value',
      2000,
      'config healed',
    );
    await runtime.loop.trigger('resync while offline');
    await waitFor(
      () => runtime.outbox.backlog,
      (n) => n >= 3,
      5000,
      'three queued reports',
    );
    await env.nats.start();
    await waitFor(
      () => runtime.outbox.backlog,
      (n) => n === 0,
      20_000,
      'outbox drained',
    );
    const syncs = await env.waitSync((r) => r.length > before.length, 20_000);
    const drifts = await env.waitDrift((r) => r.length >= beforeDrift.length + 2, 20_000);
    const all = [...(await env.syncReports()), ...(await env.driftReports())].map((r) => r.seq).sort((a, b) => a - b);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => all[0]! + i));
    const newDrifts = drifts.slice(beforeDrift.length);
    expect(newDrifts.map((d) => d.object.kind)).toEqual(['Deployment', 'ConfigMap']);
    expect(newDrifts.every((d) => d.resolution === 'reverted')).toBe(true);
    expect(syncs.at(-1)!.seq).toBeGreaterThan(newDrifts.at(-1)!.seq);
  });

  it('reports queued on disk survive a restart of the agent and are delivered once', async () => {
    const before = await env.syncReports();
    await env.nats.stop();
    await runtime.loop.trigger('resync before restart');
    await waitFor(
      () => runtime.outbox.backlog,
      (n) => n >= 1,
      5000,
      'queued report',
    );
    runtime = await env.startAgent();
    await env.nats.start();
    const after = await env.waitSync((r) => r.length >= before.length + 2, 20_000);
    const seqs = after.map((r) => r.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });
});

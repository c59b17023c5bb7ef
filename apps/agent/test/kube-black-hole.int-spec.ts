/**
 * A Kubernetes API server that goes silent without closing (a dead load balancer, a network that
 * drops packets): kube-sim's black hole. The agent's requests time out into a retryable failed
 * pass instead of hanging, its silenced watches are noticed and resumed, and once the server
 * answers again the commit lands and drift is healed as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configMap, namespace } from './support/manifests.js';
import { startReconcileEnv, waitFor, type ReconcileEnv } from './support/reconcile-env.js';

describe('a black-holed API server', () => {
  let env: ReconcileEnv;
  const value = () =>
    (env.sim.api.store.get('configmaps', 'bh', 'settings') as { data: { key: string } } | undefined)?.data.key;

  beforeAll(async () => {
    env = await startReconcileEnv();
    await env.startAgent({ kubeLimits: { requestTimeoutMs: 1_000, watchIdleMs: 1_500 } });
    const rev = await env.git.commit({
      files: { 'clusters/edge/ns.yaml': namespace('bh'), 'clusters/edge/cm.yaml': configMap('bh', 'settings') },
      message: 'first',
    });
    await env.putDesired({ revision: rev });
    await env.waitSync((r) => r.some((x) => x.revision === rev && x.state === 'Synced'));
  });
  afterAll(async () => {
    env?.sim.setBlackHole(false);
    await env?.close();
  });

  it('fails the pass as retryable while the server is silent, then lands the commit and heals drift after', async () => {
    env.sim.setBlackHole(true);
    const rev = await env.git.commit({
      files: { 'clusters/edge/cm.yaml': configMap('bh', 'settings', { key: 'second' }) },
      message: 'second',
    });
    await env.putDesired({ revision: rev });
    const failed = await env.waitSync((r) => r.some((x) => x.revision === rev && x.state === 'Failed'));
    const report = failed.find((x) => x.revision === rev && x.state === 'Failed')!;
    expect(report.error).toMatchObject({ code: 'KUBE_TIMEOUT', retryable: true });
    expect(report.error!.reason).toMatch(/no complete answer within 1000 ms/);

    env.sim.setBlackHole(false);
    await env.waitSync((r) => r.some((x) => x.revision === rev && x.state === 'Synced'));
    expect(value()).toBe('second');

    // The watches open when the server went silent never speak again: only a resumed watch sees this edit.
    const before = (await env.driftReports()).length;
    const cm = env.sim.api.registry.lookup('', 'v1', 'configmaps')!;
    const live = env.sim.api.store.get('configmaps', 'bh', 'settings') as { data: Record<string, string> };
    env.sim.api.commit(cm, live, { ...live, data: { key: 'hand-edited' } }, { manager: 'kubectl-edit', dryRun: false });
    await env.waitDrift((r) => r.length > before && r.slice(before).some((d) => d.resolution === 'reverted'));
    await waitFor(value, (v) => v === 'second', 5_000, 'the hand edit reverted');
  });
});

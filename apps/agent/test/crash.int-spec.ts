import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER_LABEL } from '../src/render/renderer.js';
import { storedInventory } from './support/inventory.js';
import { configMap, namespace } from './support/manifests.js';
import { spawnAgent, type AgentChild } from './support/spawn-agent.js';
import { startReconcileEnv, waitFor, type ReconcileEnv } from './support/reconcile-env.js';
import { scaled } from '@flotilla/testing';

const many = (prefix: string, n: number) =>
  Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `clusters/edge/${prefix}/${prefix}-${i}.yaml`,
      configMap('web', `${prefix}-${i}`),
    ]),
  );
/** `n` config maps, ten to a file (fewer files keep the commit quick). */
const batched = (prefix: string, n: number) =>
  Object.fromEntries(
    Array.from({ length: n / 10 }, (_, f) => [
      `clusters/edge/${prefix}/batch-${f}.yaml`,
      Array.from({ length: 10 }, (_, i) => configMap('web', `${prefix}-${f * 10 + i}`)).join('---\n'),
    ]),
  );

/** Its tests wait on a control plane, agents and git: a deadline that stretches with the load. */
const SLOW = { timeout: scaled(60_000) };

describe('killed mid-apply', SLOW, () => {
  let env: ReconcileEnv;
  let child: AgentChild | undefined;
  beforeAll(async () => {
    env = await startReconcileEnv();
  });
  afterAll(async () => {
    await child?.kill('SIGKILL');
    await env?.close();
  });

  it('finishes the job after restart: nothing orphaned, nothing wrongly pruned', async () => {
    const first = await env.git.commit({
      files: { 'clusters/edge/ns.yaml': namespace('web'), ...many('old', 20) },
      message: 'old',
    });
    await env.putDesired({ revision: first });
    child = await spawnAgent({
      nats: env.nats,
      clusterId: env.clusterId,
      stateDir: env.stateDir,
      kubeconfig: env.sim.kubeconfigPath,
    });
    await env.waitSync((r) => r.some((x) => x.revision === first && x.state === 'Synced'));

    const oldRemoved = Object.fromEntries(
      Object.keys(many('old', 20))
        .filter((_, i) => i % 2 === 0)
        .map((p) => [p, null]),
    );
    const second = await env.git.commit({ files: { ...oldRemoved, ...batched('new', 400) }, message: 'new' });
    env.sim.resetCounters();
    await env.putDesired({ revision: second });
    await waitFor(
      () => env.sim.counters['apply'] ?? 0,
      (n) => n >= 40,
      15_000,
      'the apply under way',
    );
    await child.kill('SIGKILL');
    const appliedAtKill = env.sim.api.store
      .list('configmaps', 'web')
      .filter((c: { metadata: { name: string } }) => c.metadata.name.startsWith('new-')).length;
    expect(appliedAtKill).toBeGreaterThan(0);
    expect(appliedAtKill).toBeLessThan(400);
    // Everything carrying our label at the moment of the kill is already in the inventory: nothing is orphaned.
    const inventoryAtKill = storedInventory(env.sim);
    const ids = new Set(inventoryAtKill.map((e) => e.id));
    const labelled = env.sim.api.store
      .list('configmaps', 'web')
      .filter(
        (c: { metadata: { labels?: Record<string, string> } }) => c.metadata.labels?.[OWNER_LABEL] === env.clusterId,
      );
    expect(labelled.every((c: { metadata: { name: string } }) => ids.has(`web_${c.metadata.name}__ConfigMap`))).toBe(
      true,
    );

    child = undefined;
    const runtime = await env.startAgent();
    await env.waitSync((r) => r.some((x) => x.revision === second && x.state === 'Synced'), 30_000);
    const names = env.sim.api.store
      .list('configmaps', 'web')
      .map((c: { metadata: { name: string } }) => c.metadata.name as string);
    expect(names.filter((n: string) => n.startsWith('new-'))).toHaveLength(400);
    expect(names.filter((n: string) => n.startsWith('old-')).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `old-${2 * i + 1}`).sort(),
    );
    const inventory = storedInventory(env.sim);
    expect(inventory).toHaveLength(1 + 10 + 400);
    expect(runtime.live.size).toBe(1 + 10 + 400);
  });
});

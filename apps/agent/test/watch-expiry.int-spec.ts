/**
 * Watches the API server ends, as real ones do: closed every few hundred ms with or without a
 * final BOOKMARK (resumed from the last resourceVersion: no relist), closed with an ERROR 410
 * Expired (relisted, once per close), refused with HTTP 410 after a compaction that swallowed an
 * edit (the relist finds it). In every mode a hand edit is still healed, and a server that answers
 * every watch with 410 gets relists spaced out by backoff, not a storm.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReconcileRuntime } from '../src/reconcile/runtime.js';
import { configMap, namespace } from './support/manifests.js';
import { startReconcileEnv, waitFor, type ReconcileEnv } from './support/reconcile-env.js';

describe('watches the server ends or expires', () => {
  let env: ReconcileEnv;
  let agent: ReconcileRuntime;
  let edits = 0;
  const value = (name: string) =>
    (env.sim.api.store.get('configmaps', 'wx', name) as { data: { key: string } } | undefined)?.data.key;
  /** One ConfigMap per edit: a field set back again and again would be given up as a fight (drift/fight-detector.ts). */
  const COUNT = 24;
  const edit = (name: string, to: string) => {
    const cm = env.sim.api.registry.lookup('', 'v1', 'configmaps')!;
    const live = env.sim.api.store.get('configmaps', 'wx', name) as { data: Record<string, string> };
    env.sim.api.commit(cm, live, { ...live, data: { key: to } }, { manager: 'kubectl-edit', dryRun: false });
  };

  /** Edits the next ConfigMap as someone else would and waits until the agent has put it back. */
  async function editAndSeeHealed(): Promise<void> {
    const name = `c${edits++ % COUNT}`;
    edit(name, `edit-${edits}`);
    await waitFor(
      () => value(name),
      (v) => v === 'value',
      10_000,
      `hand edit ${edits} of ${name} reverted`,
    );
  }
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    env = await startReconcileEnv();
    agent = await env.startAgent();
    const rev = await env.git.commit({
      files: {
        'clusters/edge/ns.yaml': namespace('wx'),
        ...Object.fromEntries(
          Array.from({ length: COUNT }, (_, i) => [`clusters/edge/c${i}.yaml`, configMap('wx', `c${i}`)]),
        ),
      },
      message: 'first',
    });
    await env.putDesired({ revision: rev });
    await env.waitSync((r) => r.some((x) => x.revision === rev && x.state === 'Synced'));
    await waitFor(
      () => env.sim.watchers(),
      (n) => n >= 2,
      10_000,
      'the watches open',
    );
  });
  afterEach(() => {
    env.sim.setWatchFaults({ closeAfterMs: 0, closeWith: 'end', goneAs: 'event' });
  });
  afterAll(async () => {
    await env?.close();
  });

  it.each(['end', 'bookmark'] as const)(
    'closed every 300 ms (%s): resumed from the last resourceVersion, no relist, every edit healed',
    async (closeWith) => {
      env.sim.setWatchFaults({ closeAfterMs: 300, closeWith });
      env.sim.dropWatches(); // the open watches started before the mode
      const relists = agent.live.relists;
      const watchesBefore = env.sim.counters['watch'] ?? 0;
      for (let i = 0; i < 4; i++) {
        await editAndSeeHealed();
        await pause(200);
      }
      // Edits while a watch is down arrive in its resumed stream: made right after a close.
      env.sim.dropWatches();
      await editAndSeeHealed();
      expect(agent.live.relists).toBe(relists);
      expect((env.sim.counters['watch'] ?? 0) - watchesBefore).toBeGreaterThanOrEqual(3);
    },
  );

  it('closed with an ERROR 410 Expired event: relisted once per close, every edit healed', async () => {
    env.sim.setWatchFaults({ closeAfterMs: 300, closeWith: 'gone' });
    env.sim.dropWatches();
    const relists = agent.live.relists;
    const started = Date.now();
    for (let i = 0; i < 4; i++) {
      await editAndSeeHealed();
      await pause(200);
    }
    const closes = Math.ceil((Date.now() - started) / 300) + 2;
    const kinds = 2; // Namespaces and ConfigMaps
    expect(agent.live.relists - relists).toBeGreaterThanOrEqual(1);
    expect(agent.live.relists - relists).toBeLessThanOrEqual(kinds * closes);
  });

  it('refused with HTTP 410 after a compaction that swallowed an edit: the relist finds and heals it', async () => {
    env.sim.setWatchFaults({ goneAs: 'status' });
    const relists = agent.live.relists;
    env.sim.setBlackHole(true); // the open watches go silent; the edit below reaches none of them
    env.sim.setBlackHole(false);
    const name = `c${edits++ % COUNT}`;
    edit(name, 'unseen');
    env.sim.compact();
    env.sim.dropWatches();
    await waitFor(
      () => value(name),
      (v) => v === 'value',
      10_000,
      'the swallowed edit reverted',
    );
    expect(agent.live.relists).toBeGreaterThan(relists);
  });

  it('a server answering every watch with 410: relists spaced out by backoff, not a storm', async () => {
    // Every watch is ended at once with an ERROR 410: each one costs a relist.
    env.sim.setWatchFaults({ closeAfterMs: 1, closeWith: 'gone' });
    try {
      env.sim.dropWatches();
      const relists = agent.live.relists;
      await pause(3_000);
      const made = agent.live.relists - relists;
      // Backoff from 100 ms doubling: about 5 per kind in 3 s; without it, one every 100 ms or faster.
      expect(made).toBeGreaterThanOrEqual(2);
      expect(made).toBeLessThanOrEqual(2 * 7);
    } finally {
      env.sim.setWatchFaults({ closeAfterMs: 0 });
    }
    env.sim.dropWatches();
    await editAndSeeHealed();
  });
});

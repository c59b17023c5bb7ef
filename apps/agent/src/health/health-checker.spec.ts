import type { KubeObject } from '@flotilla/gitops';
import { describe, expect, it } from 'vitest';
import type { LiveCache } from '../drift/live-cache.js';
import { HealthChecker } from './health-checker.js';
import { scaled } from '@flotilla/testing';

/** A live cache of Deployments that the test edits; `nextChange` wakes like the real one. */
function fakeLive() {
  const objects = new Map<string, KubeObject>();
  let waiters: Array<() => void> = [];
  let synced = false;
  const live = {
    get: (id: string) => objects.get(id),
    isSynced: () => synced,
    nextChange: () => new Promise<void>((r) => waiters.push(r)),
  } as unknown as LiveCache;
  const set = (id: string, ready: boolean) => {
    objects.set(id, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: id, namespace: 'ns', generation: 1 },
      spec: { replicas: 1 },
      status: {
        observedGeneration: 1,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: ready ? 1 : 0,
        availableReplicas: ready ? 1 : 0,
        conditions: [{ type: 'Available', status: ready ? 'True' : 'False' }],
      },
    } as KubeObject);
    const w = waiters;
    waiters = [];
    for (const wake of w) wake();
  };
  const sync = () => {
    synced = true;
    const w = waiters;
    waiters = [];
    for (const wake of w) wake();
  };
  return { live, set, sync };
}

describe('HealthChecker', () => {
  it('answers as soon as the cache shows the last object ready, not at the next poll', async () => {
    const { live, set } = fakeLive();
    set('a', true);
    set('b', false);
    const checker = new HealthChecker(live, 60_000);
    const started = performance.now();
    const result = checker.wait(['a', 'b'], 120_000);
    setTimeout(() => set('b', true), 30);
    const r = await result;
    expect(r).toMatchObject({ status: 'Healthy', timedOut: false });
    expect(performance.now() - started).toBeLessThan(scaled(2_000));
  });

  it('looks at everything again before answering: an object that went back to Progressing is waited for', async () => {
    const { live, set } = fakeLive();
    set('a', true);
    set('b', false);
    const result = new HealthChecker(live, 60_000).wait(['a', 'b'], 120_000);
    // In one turn: b becomes ready and a falls back.
    setTimeout(() => (set('b', true), set('a', false)), 10);
    setTimeout(() => set('a', true), 60);
    const r = await result;
    expect(r.status).toBe('Healthy');
    expect([...r.byId.values()].every((h) => h.status === 'Healthy')).toBe(true);
  });

  it('gives up at the timeout and says so', async () => {
    const { live, set } = fakeLive();
    set('a', false);
    const r = await new HealthChecker(live, 20).wait(['a'], 60);
    expect(r).toMatchObject({ status: 'Progressing', timedOut: true });
  });

  it('takes an applied object of a kind without status as Healthy until its kind is listed; then the cache decides', async () => {
    const { live, sync } = fakeLive();
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
    const checker = new HealthChecker(live, 20);
    const before = await checker.wait(['cm'], 1_000, { applied: new Map([['cm', cm]]) });
    expect(before.byId.get('cm')).toEqual({ status: 'Healthy', message: 'object exists (its apply succeeded)' });
    sync(); // listed, and not there: someone deleted it
    const after = await checker.wait(['cm'], 60, { applied: new Map([['cm', cm]]) });
    expect(after).toMatchObject({ status: 'Missing', timedOut: true });
  });
});

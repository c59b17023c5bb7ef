import type { KubeObject } from '@flotilla/gitops';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AppliedObjects } from '../apply/applied-objects.js';
import type { ServerApply } from '../apply/server-apply.js';
import type { LiveCache, LiveListener } from './live-cache.js';
import { DriftHandler, type DriftDetails } from './drift-handler.js';

const cm = (value: string, rv: string): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'n', resourceVersion: rv },
    data: { key: value },
  }) as KubeObject;
const info = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };

/** A DriftHandler over fakes: `edit` is a hand edit seen by the watch; reverts wait for `release`. */
function setup() {
  let listener: LiveListener = () => undefined;
  let live: KubeObject | undefined = cm('git', '1');
  const live$ = { onChange: (l: LiveListener) => (listener = l), get: () => live } as unknown as LiveCache;
  const applied = {
    get: () => ({ obj: cm('git', '0'), digest: 'd', info }),
    isVerified: () => false,
    markVerified: () => undefined,
    withoutAdmitted: <T>(_id: string, diffs: T[]) => diffs,
  } as unknown as AppliedObjects;
  const writes: string[] = [];
  const pending: Array<(version?: string) => void> = [];
  const server = {
    apply: async (_i: unknown, o: KubeObject) => {
      const key = (o['data'] as { key: string }).key;
      writes.push(`start revert to ${key}`);
      const version = await new Promise<string | undefined>((r) => pending.push(r));
      writes.push('revert landed');
      return { status: 200, body: version ? cm(key, version) : {} };
    },
  } as unknown as ServerApply;
  const reports: DriftDetails[] = [];
  const drift = new DriftHandler({
    live: live$,
    applied,
    server,
    selfHeal: () => true,
    report: (d) => reports.push(d),
    logger: pino({ level: 'silent' }),
  });
  const edit = (value: string, rv: string) => {
    live = cm(value, rv);
    listener('n/c', live, 'MODIFIED');
  };
  /** Lets the oldest revert land, as resourceVersion `version` when given. */
  const release = (version?: string) => pending.shift()?.(version);
  return { drift, edit, writes, reports, release };
}

/** One turn of the event loop: what the handler defers (its drain) has had its chance to run. */
const turn = () => new Promise<void>((r) => setImmediate(r));

describe('DriftHandler', () => {
  it('lets a revert in flight land before a pass writes, and starts none while paused', async () => {
    const { drift, edit, writes, release } = setup();
    edit('by hand', '2');
    expect(writes).toEqual(['start revert to git']);
    drift.pause();
    let done = false;
    const waiting = drift.healsDone().then(() => (done = true));
    edit('by hand again', '3'); // while paused: deferred, no second revert
    await turn();
    expect(done).toBe(false);
    release();
    await waiting;
    expect(writes).toEqual(['start revert to git', 'revert landed']);
    drift.resume();
  });

  it('checks what changed while paused once resumed', async () => {
    const { drift, edit, writes, reports, release } = setup();
    drift.pause();
    edit('by hand', '2');
    await turn();
    expect(writes).toEqual([]);
    drift.resume();
    await expect.poll(() => writes).toEqual(['start revert to git']);
    release();
    await drift.settled();
    expect(reports.map((r) => r.resolution)).toEqual(['reverted']);
  });

  it('does not take a version from before its own revert landed for new drift', async () => {
    const { drift, edit, writes, reports, release } = setup();
    edit('by hand', '2');
    edit('by hand', '3'); // a controller's status write on the hand-edited object, while the revert is in flight
    release('4'); // the revert lands as version 4; the cache still holds 3
    await drift.settled();
    expect(writes).toEqual(['start revert to git', 'revert landed']);
    expect(reports.map((r) => r.resolution)).toEqual(['reverted']);
    edit('git', '4'); // the watch event of our own write: no drift
    await drift.settled();
    expect(reports).toHaveLength(1);
    edit('by hand again', '5'); // a later edit is drift again
    expect(writes.at(-1)).toBe('start revert to git');
    release('6');
    await drift.settled();
    expect(reports.map((r) => r.resolution)).toEqual(['reverted', 'reverted']);
  });

  it('checks again an edit the watch delivered after its own revert, while the revert was in flight', async () => {
    const { drift, edit, writes, reports, release } = setup();
    edit('by hand', '2');
    edit('git', '4'); // our revert's write, seen before its response
    edit('by hand again', '5'); // a newer edit, also while reverting
    release('4');
    await drift.settled();
    expect(writes).toEqual(['start revert to git', 'revert landed', 'start revert to git']);
    release('6');
    await drift.settled();
    expect(reports.map((r) => r.resolution)).toEqual(['reverted', 'reverted']);
  });
});

// Watches and paged lists over raw HTTP: resume from a resourceVersion, 410 Gone after
// compaction, bookmarks, all-namespace and label-selector watches, cleanup on disconnect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeSim, startKubeSim } from '../src/index.js';
import { until } from './kubectl-runner.js';

let sim: KubeSim;

async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'Content-Type': contentType },
  });
  return { status: res.status, body: (await res.json()) as any };
}

const apply = (ns: string, name: string, labels: Record<string, string>, data: Record<string, string> = {}) =>
  call(
    'PATCH',
    `/api/v1/namespaces/${ns}/configmaps/${name}?fieldManager=test`,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data },
    'application/apply-patch+yaml',
  );

/** Opens a watch and collects its events until closed. */
function watch(path: string) {
  const events: any[] = [];
  const ctrl = new AbortController();
  const done = (async () => {
    const res = await fetch(`${sim.url}${path}`, { signal: ctrl.signal });
    let buf = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body as any as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
    }
  })().catch(() => undefined);
  return { events, close: () => ctrl.abort(), done };
}

beforeAll(async () => {
  sim = await startKubeSim({ port: 0, simulate: false });
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
});

afterAll(async () => {
  await sim?.close();
});

describe('watch', () => {
  it('resumes from a resourceVersion with the events after it', async () => {
    const a = await apply('default', 'resume', { app: 'r' }, { v: '1' });
    await apply('default', 'resume', { app: 'r' }, { v: '2' });
    const w = watch(
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${a.body.metadata.resourceVersion}`,
    );
    await until(() => w.events.length >= 1, 5000, 'replayed event');
    w.close();
    expect(w.events[0]).toMatchObject({ type: 'MODIFIED', object: { metadata: { name: 'resume' }, data: { v: '2' } } });
  });

  it('answers a compacted resourceVersion with an ERROR event carrying 410 Expired', async () => {
    const a = await apply('default', 'old', { app: 'o' });
    await apply('default', 'old', { app: 'o' }, { changed: 'yes' });
    sim.compact();
    const w = watch(
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${a.body.metadata.resourceVersion}`,
    );
    await w.done;
    expect(w.events).toEqual([
      { type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) },
    ]);
  });

  it('sends bookmarks when asked, and watches across all namespaces with a label selector', async () => {
    sim.setBookmarkInterval(50);
    const list = await call('GET', '/api/v1/configmaps?labelSelector=team%3Dblue');
    const w = watch(
      `/api/v1/configmaps?watch=true&allowWatchBookmarks=true&labelSelector=team%3Dblue&resourceVersion=${list.body.metadata.resourceVersion}`,
    );
    await apply('default', 'b1', { team: 'blue' });
    await apply('other', 'b2', { team: 'blue' });
    await apply('other', 'r1', { team: 'red' });
    await apply('default', 'b1', { team: 'red' });
    await until(
      () => w.events.filter((e) => e.type !== 'BOOKMARK').length >= 3 && w.events.some((e) => e.type === 'BOOKMARK'),
      5000,
      'events and a bookmark',
    );
    w.close();
    const real = w.events
      .filter((e) => e.type !== 'BOOKMARK')
      .map((e) => `${e.type} ${e.object.metadata.namespace}/${e.object.metadata.name}`);
    expect(real).toEqual(['ADDED default/b1', 'ADDED other/b2', 'DELETED default/b1']);
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK');
    expect(bookmark.object).toMatchObject({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: expect.stringMatching(/^\d+$/) },
    });
  });

  it('with a watch lag, delivers events late but in order, while the write answers at once', async () => {
    sim.setWatchLag(300);
    try {
      const list = await call('GET', '/api/v1/namespaces/default/configmaps?labelSelector=lag%3Dyes');
      const w = watch(
        `/api/v1/namespaces/default/configmaps?watch=true&labelSelector=lag%3Dyes&resourceVersion=${list.body.metadata.resourceVersion}`,
      );
      await until(() => sim.watchers() >= 1, 5000, 'the watcher');
      const written: string[] = [];
      const answeredAt = new Map<string, number>();
      for (let i = 0; i < 20; i++) {
        const r = await apply('default', `lag-${i % 3}`, { lag: 'yes' }, { i: String(i) });
        expect(r.status).toBeLessThan(300);
        written.push(r.body.metadata.resourceVersion);
        answeredAt.set(r.body.metadata.resourceVersion, Date.now());
      }
      const arrivedAt = new Map<string, number>();
      await until(
        () => {
          for (const e of w.events)
            arrivedAt.set(
              e.object.metadata.resourceVersion,
              arrivedAt.get(e.object.metadata.resourceVersion) ?? Date.now(),
            );
          return w.events.length >= 20;
        },
        10_000,
        'all lagged events',
      );
      w.close();
      // Random 0..300 ms per event: some of 20 arrive well after their write answered.
      const late = written.map((rv) => (arrivedAt.get(rv) ?? 0) - (answeredAt.get(rv) ?? 0));
      expect(Math.max(...late)).toBeGreaterThan(100);
      expect(w.events.map((e) => e.object.metadata.resourceVersion)).toEqual(written);
    } finally {
      sim.setWatchLag(0);
    }
  });

  it('refuses a watch lag that is not a whole number of milliseconds', () => {
    expect(() => sim.setWatchLag(-1)).toThrow(/watch lag must be a whole number/);
    expect(() => sim.setWatchLag(1.5)).toThrow(/watch lag must be a whole number/);
  });

  it('leaves no watcher behind when clients disconnect', async () => {
    const ws = Array.from({ length: 5 }, () => watch('/api/v1/configmaps?watch=true'));
    await until(() => sim.watchers() >= 5, 5000, 'five watchers');
    for (const w of ws) w.close();
    await until(() => sim.watchers() === 0, 5000, 'watchers to be gone');
  });
});

describe('paged list', () => {
  it('returns limit items with a continue token until the list is exhausted', async () => {
    for (let i = 0; i < 7; i++) await apply('other', `page-${i}`, { paged: 'yes' });
    const names: string[] = [];
    let cont = '';
    let pages = 0;
    do {
      const r = await call(
        'GET',
        `/api/v1/namespaces/other/configmaps?labelSelector=paged%3Dyes&limit=3${cont ? `&continue=${cont}` : ''}`,
      );
      names.push(...r.body.items.map((i: any) => i.metadata.name));
      cont = r.body.metadata.continue ?? '';
      pages++;
    } while (cont);
    expect(pages).toBe(3);
    expect(names).toEqual(Array.from({ length: 7 }, (_, i) => `page-${i}`));
  });

  it('filters by field selector on metadata.name', async () => {
    const r = await call('GET', '/api/v1/configmaps?fieldSelector=metadata.name%3Dpage-3');
    expect(r.body.items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual(['other/page-3']);
  });
});

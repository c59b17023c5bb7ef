import { describe, expect, it } from 'vitest';
import { PubSub } from './pub-sub.js';

describe('PubSub', () => {
  it('delivers events published after subscribing, in order, filtered', async () => {
    const ps = new PubSub<{ n: number }>();
    const it = ps.iterate('n', (n) => n % 2 === 0);
    ps.publish('n', 1);
    ps.publish('n', 2);
    const next = it.next();
    ps.publish('n', 4);
    expect(await next).toEqual({ value: 2, done: false });
    expect(await it.next()).toEqual({ value: 4, done: false });
  });

  it('stops delivering and ends a waiting next() once returned', async () => {
    const ps = new PubSub<{ n: number }>();
    const it = ps.iterate('n');
    const waiting = it.next();
    await it.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    ps.publish('n', 1);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('keeps only the newest events for a subscriber that does not read', async () => {
    const ps = new PubSub<{ n: number }>(2);
    const it = ps.iterate('n');
    for (const n of [1, 2, 3]) ps.publish('n', n);
    expect(await it.next()).toEqual({ value: 2, done: false });
    expect(await it.next()).toEqual({ value: 3, done: false });
  });
});

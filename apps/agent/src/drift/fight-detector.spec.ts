import { describe, expect, it } from 'vitest';
import { FightDetector } from './fight-detector.js';

describe('FightDetector', () => {
  it('gives a field up after `limit` reverts inside the window, not when they are spread out', () => {
    let now = 0;
    const f = new FightDetector({ limit: 3, windowMs: 1000 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(f.exhausted('a', ['spec.replicas'])).toEqual([]);
      f.reverted('a', ['spec.replicas']);
      now += 600; // the first revert leaves the window before the third
    }
    expect(f.exhausted('a', ['spec.replicas'])).toEqual([]);
    f.reverted('a', ['spec.replicas']);
    f.reverted('a', ['spec.replicas']);
    expect(f.exhausted('a', ['spec.replicas', 'data.key'])).toEqual(['spec.replicas']);
    expect(f.exhausted('b', ['spec.replicas'])).toEqual([]);
  });

  it('filters the given-up fields only for the digest they were given up at', () => {
    const f = new FightDetector({ limit: 1, windowMs: 1000 });
    f.giveUp('a', 'd1', ['spec.replicas']);
    const diffs = [{ path: 'spec.replicas' }, { path: 'data.key' }];
    expect(f.without('a', 'd1', diffs)).toEqual([{ path: 'data.key' }]);
    expect(f.without('a', 'd2', diffs)).toEqual(diffs);
    expect(f.without('b', 'd1', diffs)).toEqual(diffs);
  });
});

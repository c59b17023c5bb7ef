import { describe, expect, it } from 'vitest';
import { BatchLoader } from './batch-loader.js';

describe('BatchLoader', () => {
  it('loads keys asked for in the same tick with one call, each key once', async () => {
    const calls: string[][] = [];
    const loader = new BatchLoader<string, number | null>(async (keys) => {
      calls.push(keys);
      return new Map(keys.filter((k) => k !== 'x').map((k) => [k, k.length]));
    }, null);
    const got = await Promise.all([loader.load('a'), loader.load('bb'), loader.load('a'), loader.load('x')]);
    expect(got).toEqual([1, 2, 1, null]);
    expect(calls).toEqual([['a', 'bb', 'x']]);
    await loader.load('ccc');
    expect(calls).toHaveLength(2);
  });

  it('rejects every waiting load when the batch fails', async () => {
    const loader = new BatchLoader<string, number>(async () => Promise.reject(new Error('db down')), 0);
    await expect(Promise.all([loader.load('a'), loader.load('b')])).rejects.toThrow('db down');
  });
});

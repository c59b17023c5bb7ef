import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, waitFor } from './eventually.js';
import { SLOWDOWN_ENV } from './slowdown.js';

describe('eventually / waitFor', () => {
  const before = process.env[SLOWDOWN_ENV];
  beforeEach(() => {
    process.env[SLOWDOWN_ENV] = '1';
  });
  afterEach(() => {
    if (before === undefined) delete process.env[SLOWDOWN_ENV];
    else process.env[SLOWDOWN_ENV] = before;
  });

  it('returns the first truthy value of the probe', async () => {
    let n = 0;
    await expect(eventually(() => (++n >= 3 ? `ready after ${n}` : undefined), { intervalMs: 1 })).resolves.toBe(
      'ready after 3',
    );
  });

  it('treats a probe that throws as not yet', async () => {
    let n = 0;
    const value = await eventually(
      async () => {
        if (++n < 3) throw new Error('not up');
        return n;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(3);
  });

  it('returns the value the predicate accepts', async () => {
    let n = 0;
    await expect(
      waitFor(
        () => ++n,
        (v) => v === 4,
        { intervalMs: 1 },
      ),
    ).resolves.toBe(4);
  });

  it('times out naming what it waited for and the last value seen', async () => {
    await expect(
      waitFor(
        () => ({ phase: 'pending' }),
        (v) => v.phase === 'done',
        { timeoutMs: 30, intervalMs: 5, what: 'the rollout' },
      ),
    ).rejects.toThrow(/timed out after 30 ms waiting for the rollout; last: \{"phase":"pending"\}/);
  });

  it('reports the last error when the probe never stopped throwing', async () => {
    await expect(
      eventually(
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 20, intervalMs: 5 },
      ),
    ).rejects.toThrow(/last: error: connection refused/);
  });

  it('stretches the deadline by the slowdown factor', async () => {
    process.env[SLOWDOWN_ENV] = '4';
    await expect(eventually(() => false, { timeoutMs: 10, intervalMs: 5 })).rejects.toThrow(/after 40 ms/);
  });
});

import { describe, expect, it } from 'vitest';
import { Backoff, sleep } from './backoff.js';
import { scaled } from '@flotilla/testing';

describe('Backoff', () => {
  it('grows exponentially up to the cap and starts over after reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000 });
    const delays = Array.from({ length: 8 }, () => b.next());
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[3]).toBeGreaterThanOrEqual(400);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000);
    expect(delays[7]).toBeGreaterThanOrEqual(500);
    b.reset();
    expect(b.next()).toBeLessThanOrEqual(100);
  });
});

describe('sleep', () => {
  it('rejects as soon as the signal aborts', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const slept = sleep(10_000, ac.signal);
    ac.abort(new Error('stopping'));
    await expect(slept).rejects.toThrow('stopping');
    expect(Date.now() - started).toBeLessThan(scaled(1000));
  });
});

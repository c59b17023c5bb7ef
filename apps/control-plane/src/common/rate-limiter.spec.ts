import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows the limit per window per key, then refuses with the wait until the window resets', () => {
    let now = 0;
    const rl = new RateLimiter(2, 60_000, () => now);
    expect([rl.take('a'), rl.take('a'), rl.take('b')]).toEqual([0, 0, 0]);
    now = 15_000;
    expect(rl.take('a')).toBe(45);
    now = 60_000;
    expect(rl.take('a')).toBe(0);
  });

  it('blocked() asks without counting: a key is blocked once it used up the limit, until its window resets', () => {
    let now = 0;
    const rl = new RateLimiter(2, 60_000, () => now);
    expect(rl.blocked('a')).toBe(0);
    expect(rl.blocked('a')).toBe(0);
    rl.take('a');
    expect(rl.blocked('a')).toBe(0);
    rl.take('a');
    now = 20_000;
    expect(rl.blocked('a')).toBe(40);
    expect(rl.blocked('b')).toBe(0);
    now = 60_000;
    expect(rl.blocked('a')).toBe(0);
  });
});

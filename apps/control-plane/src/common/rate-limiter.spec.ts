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

describe('RateLimiter memory', () => {
  it('forgets expired windows once per window length, without waiting for the map to fill', () => {
    let now = 0;
    const rl = new RateLimiter(5, 60_000, () => now);
    for (let i = 0; i < 100; i++) rl.take(`10.0.0.${i}`);
    expect(rl.size).toBe(100);
    now = 30_000;
    rl.take('late');
    expect(rl.size).toBe(101);
    now = 61_000;
    rl.take('new');
    // The 100 early windows are over; 'late' (opened at 30 s) is still running.
    expect(rl.size).toBe(2);
    expect(rl.blocked('late')).toBe(0);
  });

  it('never holds more than maxKeys: a flood of new addresses drops the oldest windows first', () => {
    let now = 0;
    const rl = new RateLimiter(2, 60_000, () => now, 50);
    rl.take('attacker');
    rl.take('attacker');
    expect(rl.blocked('attacker')).toBeGreaterThan(0);
    now = 1_000;
    rl.take('victim');
    for (let i = 0; i < 49; i++) {
      now += 10;
      rl.take(`flood-${i}`);
      expect(rl.size).toBeLessThanOrEqual(50);
    }
    expect(rl.size).toBe(50);
    // The oldest window (the attacker's) went first; the newer ones are all kept.
    expect(rl.blocked('attacker')).toBe(0);
    rl.take('victim');
    expect(rl.blocked('victim')).toBeGreaterThan(0);
    for (let i = 0; i < 1000; i++) rl.take(`more-${i}`);
    expect(rl.size).toBe(50);
  });

  it('a key whose window reopened moves to the back of the eviction order', () => {
    let now = 0;
    const rl = new RateLimiter(1, 1_000, () => now, 3);
    rl.take('a');
    now = 500;
    rl.take('b');
    now = 1_200; // a expired, b running
    rl.take('a'); // reopened: now the newest
    rl.take('c');
    rl.take('d'); // full: the oldest window is b's
    expect(rl.blocked('a')).toBeGreaterThan(0);
    expect(rl.blocked('b')).toBe(0);
  });
});

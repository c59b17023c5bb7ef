import { afterEach, describe, expect, it } from 'vitest';
import { computeSlowdown, MAX_AUTO_SLOWDOWN, scaled, slowdown, SLOWDOWN_ENV } from './slowdown.js';

describe('computeSlowdown', () => {
  it('is 1 on a quiet machine', () => {
    expect(computeSlowdown({ load: 0.3, cores: 2 })).toBe(1);
  });

  it('is the load per core on a busy one', () => {
    expect(computeSlowdown({ load: 5, cores: 2 })).toBe(2.5);
  });

  it('counts the load a run is about to add', () => {
    expect(computeSlowdown({ load: 1, cores: 2, extraLoad: 3 })).toBe(2);
  });

  it(`never goes above ${MAX_AUTO_SLOWDOWN} on its own`, () => {
    expect(computeSlowdown({ load: 80, cores: 2 })).toBe(MAX_AUTO_SLOWDOWN);
  });

  it('takes an explicit factor over the load, above the automatic cap too', () => {
    expect(computeSlowdown({ override: '7.5', load: 0, cores: 2 })).toBe(7.5);
    expect(computeSlowdown({ override: ' ', load: 4, cores: 2 })).toBe(2);
  });

  it('refuses an explicit factor that is not a number from 1 to 50, naming the variable', () => {
    for (const bad of ['abc', '0.5', '0', '-2', '51'])
      expect(() => computeSlowdown({ override: bad, load: 0, cores: 2 })).toThrow(
        new RegExp(`${SLOWDOWN_ENV} must be a number from 1 to 50, got "${bad}"`),
      );
  });
});

describe('scaled', () => {
  const before = process.env[SLOWDOWN_ENV];
  afterEach(() => {
    if (before === undefined) delete process.env[SLOWDOWN_ENV];
    else process.env[SLOWDOWN_ENV] = before;
  });

  it('stretches a timeout by the factor from the environment', () => {
    process.env[SLOWDOWN_ENV] = '3';
    expect(slowdown()).toBe(3);
    expect(scaled(1000)).toBe(3000);
  });
});

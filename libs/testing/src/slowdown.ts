/**
 * How much slower than a quiet machine this one runs now, so that test timeouts stretch with the
 * load instead of failing a test that was only slow. A factor ≥ 1: the 1-minute load average per
 * core, clamped to [1, MAX_AUTO_SLOWDOWN], or FLOTILLA_TEST_SLOWDOWN when set (a number ≥ 1).
 * Dependency-free so that vitest.config.ts can use it too.
 */
import { availableParallelism, loadavg } from 'node:os';

export const SLOWDOWN_ENV = 'FLOTILLA_TEST_SLOWDOWN';
/** The automatic factor never exceeds this; set FLOTILLA_TEST_SLOWDOWN for more. */
export const MAX_AUTO_SLOWDOWN = 4;
/** An explicit factor above this is a typo, not a machine. */
export const MAX_SLOWDOWN = 50;

export interface SlowdownInputs {
  /** The FLOTILLA_TEST_SLOWDOWN value, if any. */
  override?: string | undefined;
  /** The 1-minute load average. */
  load: number;
  cores: number;
  /** Load this run is about to add on top of today's (e.g. its own test workers). */
  extraLoad?: number;
}

/** Pure: the factor for these inputs. Throws naming FLOTILLA_TEST_SLOWDOWN when its value is not a number in [1, 50]. */
export function computeSlowdown({ override, load, cores, extraLoad = 0 }: SlowdownInputs): number {
  if (override !== undefined && override.trim() !== '') {
    const value = Number(override);
    if (!Number.isFinite(value) || value < 1 || value > MAX_SLOWDOWN)
      throw new Error(`${SLOWDOWN_ENV} must be a number from 1 to ${MAX_SLOWDOWN}, got ${JSON.stringify(override)}`);
    return value;
  }
  const perCore = (Math.max(0, load) + Math.max(0, extraLoad)) / Math.max(1, cores);
  return Math.min(MAX_AUTO_SLOWDOWN, Math.max(1, Math.round(perCore * 100) / 100));
}

/** The factor now, read from this machine's load (or FLOTILLA_TEST_SLOWDOWN). */
export function slowdown(opts: { extraLoad?: number } = {}): number {
  return computeSlowdown({
    override: process.env[SLOWDOWN_ENV],
    load: loadavg()[0] ?? 0,
    cores: availableParallelism(),
    ...opts,
  });
}

/** `ms` stretched by the current slowdown factor: use it for every test timeout and deadline. */
export function scaled(ms: number): number {
  return Math.ceil(ms * slowdown());
}

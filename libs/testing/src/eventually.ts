/**
 * Waiting on conditions instead of sleeping: poll a probe until it holds, with a deadline that
 * stretches with the machine's load (scaled()). The error names what was awaited and the last
 * value (or error) seen.
 */
import { scaled } from './slowdown.js';

export interface EventuallyOptions {
  /** Deadline on a quiet machine; stretched by scaled(). Default 10 s. */
  timeoutMs?: number;
  /** Pause between probes. Default 50 ms. */
  intervalMs?: number;
  /** What is awaited, for the error message. */
  what?: string;
}

const describe = (v: unknown): string => {
  if (v instanceof Error) return `error: ${v.message}`;
  try {
    return (JSON.stringify(v) ?? String(v)).slice(0, 2000);
  } catch {
    return String(v);
  }
};

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns a truthy value (returned) or the scaled deadline passes. A probe that
 * throws counts as "not yet" (its error is reported if time runs out).
 */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  opts: EventuallyOptions = {},
): Promise<NonNullable<T>> {
  return waitFor(probe, (v): v is NonNullable<T> => Boolean(v), opts) as Promise<NonNullable<T>>;
}

/** Polls `probe` until `pred` holds for its value, and returns that value; throws after the scaled deadline. */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  pred: (value: T) => boolean,
  opts: EventuallyOptions = {},
): Promise<T> {
  const base = opts.timeoutMs ?? 10_000;
  const timeoutMs = scaled(base);
  const deadline = Date.now() + timeoutMs;
  let last: unknown = undefined;
  for (;;) {
    try {
      const value = await probe();
      if (pred(value)) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'}; last: ${describe(last)}`,
      );
    await pause(opts.intervalMs ?? 50);
  }
}

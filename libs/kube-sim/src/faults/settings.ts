// What a loaded or unhealthy API server does to its clients, as settings: throttling (API Priority
// and Fairness 429s), server errors, connections reset in the middle of an answer, latency per
// write and per list, and continue tokens that expire. All off by default; checked when set.

/** The verbs faults are chosen by (the API server's request verbs, plus `apply` for apply patches). */
export const VERBS = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'apply',
  'delete',
  'deletecollection',
  'discovery',
] as const;
export type Verb = (typeof VERBS)[number];

export const WRITE_VERBS: ReadonlySet<Verb> = new Set([
  'create',
  'update',
  'patch',
  'apply',
  'delete',
  'deletecollection',
]);

/** A fraction of requests (0..1): one for every verb, or one per verb (verbs left out: 0). */
export type Rate = number | Partial<Record<Verb, number>>;

export interface FaultSettings {
  /**
   * 429 Too Many Requests on this fraction of requests, as API Priority and Fairness rejects a
   * request its priority level has no room for: `Retry-After` header, the APF response headers,
   * and the body `throttleBody` says.
   */
  throttle?: Rate;
  /** Seconds in the `Retry-After` header of a 429 (default 1, what the server sends). */
  retryAfterSeconds?: number;
  /**
   * `text` (default): the plain-text body APF and max-in-flight send (`Too many requests, please
   * try again later.`); `status`: a Status with reason TooManyRequests and details.retryAfterSeconds,
   * as other 429s of the API (an eviction blocked by a PodDisruptionBudget) carry.
   */
  throttleBody?: 'text' | 'status';
  /** A server error on this fraction of requests; the request is not carried out. */
  serverErrors?: Rate;
  /** Which server error: 500 InternalError (etcd timed out, the default), 503 ServiceUnavailable or 504 Timeout. */
  serverErrorCode?: 500 | 503 | 504;
  /** The connection is reset (TCP RST) half-way through the answer's body on this fraction of requests. */
  resets?: Rate;
  /** Milliseconds every write (create, update, patch, apply, delete) waits before it is carried out. */
  writeLatencyMs?: number;
  /** Milliseconds every list waits before it is answered. */
  listLatencyMs?: number;
  /**
   * A continue token older than this is refused with 410 Expired (a real server: its resourceVersion
   * was compacted away, every 5 minutes by default). Unset: tokens expire only on compact().
   */
  continueTtlMs?: number;
  /** This fraction of continue requests is refused with 410 Expired whatever the token's age. */
  expireContinue?: number;
}

function checkRate(name: string, r: Rate | undefined): void {
  if (r === undefined) return;
  const entries = typeof r === 'number' ? [['', r] as const] : Object.entries(r);
  for (const [verb, f] of entries) {
    if (verb && !(VERBS as readonly string[]).includes(verb))
      throw new RangeError(`${name}: unknown verb "${verb}"; verbs are ${VERBS.join(', ')}`);
    if (typeof f !== 'number' || !(f >= 0 && f <= 1))
      throw new RangeError(`${name}${verb ? `.${verb}` : ''} must be a fraction from 0 to 1, got ${String(f)}`);
  }
}

function checkMs(name: string, v: number | undefined, max = 600_000): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < 0 || v > max)
    throw new RangeError(`${name} must be a number of milliseconds from 0 to ${max}, got ${String(v)}`);
}

/** Throws a RangeError naming the first bad setting. */
export function checkFaults(f: FaultSettings): FaultSettings {
  checkRate('throttle', f.throttle);
  checkRate('serverErrors', f.serverErrors);
  checkRate('resets', f.resets);
  checkRate('expireContinue', f.expireContinue);
  if (
    f.retryAfterSeconds !== undefined &&
    !(Number.isInteger(f.retryAfterSeconds) && f.retryAfterSeconds >= 0 && f.retryAfterSeconds <= 3600)
  )
    throw new RangeError(`retryAfterSeconds must be a whole number from 0 to 3600, got ${f.retryAfterSeconds}`);
  if (f.throttleBody !== undefined && f.throttleBody !== 'text' && f.throttleBody !== 'status')
    throw new RangeError(`throttleBody must be "text" or "status", got ${String(f.throttleBody)}`);
  if (f.serverErrorCode !== undefined && ![500, 503, 504].includes(f.serverErrorCode))
    throw new RangeError(`serverErrorCode must be 500, 503 or 504, got ${String(f.serverErrorCode)}`);
  checkMs('writeLatencyMs', f.writeLatencyMs);
  checkMs('listLatencyMs', f.listLatencyMs);
  checkMs('continueTtlMs', f.continueTtlMs, 86_400_000);
  return f;
}

/** The fraction `rate` gives `verb`. */
export function rateFor(rate: Rate | undefined, verb: Verb): number {
  if (rate === undefined) return 0;
  return typeof rate === 'number' ? rate : (rate[verb] ?? 0);
}

/**
 * When a Kubernetes request is sent again, and after how long: a 429 (API Priority and Fairness
 * had no room) always, as the server did not carry it out; a 5xx or a connection cut mid-answer
 * only for requests that may run twice (reads, apply and merge patches, updates, deletes), as the
 * server may have carried them out. The wait honours the answer's Retry-After (capped), else grows
 * exponentially with jitter. Bounded: a request is tried at most 1 + maxRetries times. Timeouts are
 * not retried here (a silent server would hold a pass for every retry); the pass reports them.
 */
export interface RetryPolicy {
  /** Retries after the first try (default 5). */
  maxRetries: number;
  /** First backoff without Retry-After (default 100 ms), doubling per retry up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Longest Retry-After honoured (default 30 s); a longer one is waited this long. */
  maxRetryAfterMs: number;
}

export const RETRY_DEFAULTS: RetryPolicy = {
  maxRetries: 5,
  initialBackoffMs: 100,
  maxBackoffMs: 5_000,
  maxRetryAfterMs: 30_000,
};

const REPEATABLE_PATCHES = new Set(['application/apply-patch+yaml', 'application/merge-patch+json']);

/** Whether sending the request twice leaves the same result as sending it once. */
export function mayRepeat(method: string, contentType: string | undefined): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE') return true;
  return method === 'PATCH' && REPEATABLE_PATCHES.has(contentType ?? '');
}

/** Milliseconds a Retry-After value asks for (seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The backoff before retry number `retry` (0-based): full jitter in [ceiling/2, ceiling]. */
export function backoffMs(policy: RetryPolicy, retry: number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.min(retry, 20));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * How long to wait before sending again an answered request (status, Retry-After), or undefined
 * when it is not to be retried.
 */
export function retryWait(
  policy: RetryPolicy,
  retry: number,
  status: number,
  retryAfter: string | undefined,
  repeatable: boolean,
): number | undefined {
  if (retry >= policy.maxRetries) return undefined;
  if (status !== 429 && !(status >= 500 && status <= 599 && repeatable)) return undefined;
  const asked = retryAfterMs(retryAfter);
  return asked !== undefined ? Math.min(asked, policy.maxRetryAfterMs) : backoffMs(policy, retry);
}

import { describe, expect, it } from 'vitest';
import { backoffMs, mayRepeat, RETRY_DEFAULTS, retryAfterMs, retryWait } from './retry.js';

describe('retry policy', () => {
  it('retries a 429 for every method, a 5xx only for requests that may run twice', () => {
    expect(retryWait(RETRY_DEFAULTS, 0, 429, '2', false)).toBe(2000);
    expect(retryWait(RETRY_DEFAULTS, 0, 503, '1', true)).toBe(1000);
    expect(retryWait(RETRY_DEFAULTS, 0, 500, undefined, false)).toBeUndefined();
    expect(retryWait(RETRY_DEFAULTS, 0, 404, undefined, true)).toBeUndefined();
    expect(retryWait(RETRY_DEFAULTS, 0, 409, undefined, true)).toBeUndefined();
    const b = retryWait(RETRY_DEFAULTS, 0, 500, undefined, true)!;
    expect(b).toBeGreaterThanOrEqual(50);
    expect(b).toBeLessThanOrEqual(100);
  });

  it('is bounded: no retry past maxRetries, Retry-After capped, backoff capped', () => {
    expect(retryWait(RETRY_DEFAULTS, RETRY_DEFAULTS.maxRetries, 429, '1', true)).toBeUndefined();
    expect(retryWait(RETRY_DEFAULTS, 0, 429, '86400', true)).toBe(RETRY_DEFAULTS.maxRetryAfterMs);
    for (let i = 0; i < 40; i++) expect(backoffMs(RETRY_DEFAULTS, i)).toBeLessThanOrEqual(RETRY_DEFAULTS.maxBackoffMs);
  });

  it('reads Retry-After as seconds or an HTTP date, and ignores nonsense', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('knows which requests may run twice', () => {
    expect(mayRepeat('GET', undefined)).toBe(true);
    expect(mayRepeat('DELETE', undefined)).toBe(true);
    expect(mayRepeat('PATCH', 'application/apply-patch+yaml')).toBe(true);
    expect(mayRepeat('PATCH', 'application/merge-patch+json')).toBe(true);
    expect(mayRepeat('PATCH', 'application/json-patch+json')).toBe(false);
    expect(mayRepeat('POST', 'application/json')).toBe(false);
  });
});

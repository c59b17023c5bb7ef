import { describe, expect, it } from 'vitest';
import { PG_INT_MAX, storable, storableText } from './storable.js';
import { SyncReport } from './reports.js';

const report = {
  protocol: 1,
  clusterId: '0b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f21',
  seq: 1,
  revision: 'a'.repeat(40),
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  durationMs: 1000,
  state: 'Failed',
  health: 'Degraded',
  objects: [],
  error: { stage: 'apply', code: 'X', reason: 'boom', retryable: true },
  sourceAvailable: true,
};

describe('storable schemas', () => {
  it('refuse NUL characters and lone surrogates, keep everything else (pairs included)', () => {
    expect(storable('plain ascii, ünïcödé and 🚀')).toBe(true);
    expect(storable('nul \u0000 inside')).toBe(false);
    expect(storable('lone high \uD800 surrogate')).toBe(false);
    expect(storable('lone low \uDC00 surrogate')).toBe(false);
  });

  it('a sync report that PostgreSQL would refuse fails its schema, naming the field', () => {
    expect(SyncReport.safeParse(report).success).toBe(true);
    const nul = SyncReport.safeParse({ ...report, error: { ...report.error, reason: 'a\u0000b' } });
    expect(nul.success).toBe(false);
    expect(nul.error?.issues[0]?.path).toEqual(['error', 'reason']);
    const long = SyncReport.safeParse({ ...report, durationMs: 3_000_000_000 });
    expect(long.error?.issues[0]?.path).toEqual(['durationMs']);
    expect(SyncReport.safeParse({ ...report, durationMs: PG_INT_MAX }).success).toBe(true);
    expect(SyncReport.safeParse({ ...report, startedAt: '0000-01-01T00:00:00.000Z' }).success).toBe(false);
  });

  it('storableText cuts and mends text so it always passes', () => {
    expect(storableText('a\u0000b', 10)).toBe('a\uFFFDb');
    const cut = storableText('ab🚀', 3); // the cut splits the rocket's surrogate pair
    expect(cut).toBe('ab\uFFFD');
    expect(storable(cut)).toBe(true);
    expect(storableText('fine 🚀', 100)).toBe('fine 🚀');
  });
});

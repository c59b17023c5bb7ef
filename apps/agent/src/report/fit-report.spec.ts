import { PROTOCOL_VERSION, SyncReport, type ObjectResult } from '@flotilla/protocol';
import { describe, expect, it } from 'vitest';
import { fitReport, REPORT_BUDGET_BYTES } from './fit-report.js';

const cm = (i: number, over: Partial<ObjectResult> = {}): ObjectResult => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace: `team-${String(i % 100).padStart(3, '0')}`,
  name: `settings-of-a-rather-long-application-name-${i}`,
  action: 'created',
  health: 'Healthy',
  ...over,
});
const report = (objects: ObjectResult[]): SyncReport => ({
  protocol: PROTOCOL_VERSION,
  clusterId: '00000000-0000-4000-8000-000000000001',
  seq: 7,
  revision: 'a'.repeat(40),
  appliedRevision: 'a'.repeat(40),
  startedAt: '2026-12-03T12:00:00.000Z',
  finishedAt: '2026-12-03T12:00:20.000Z',
  durationMs: 20_000,
  state: 'Failed',
  health: 'Degraded',
  objects,
  sourceAvailable: true,
});
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

describe('fitting a sync report into one message', () => {
  it('sends a report that fits as it is', () => {
    const small = report([cm(1), cm(2)]);
    expect(fitReport(small)).toBe(small);
  });

  it('keeps what matters of 10,000 results within the budget, and counts them all', () => {
    const objects = Array.from({ length: 10_000 }, (_, i) =>
      i === 4_321
        ? cm(i, { action: 'failed', health: 'Unknown', message: 'admission webhook denied the request' })
        : i === 9_999
          ? cm(i, { action: 'configured', health: 'Degraded' })
          : cm(i, { action: i % 2 ? 'unchanged' : 'created' }),
    );
    const full = report(objects);
    expect(bytes(full)).toBeGreaterThan(REPORT_BUDGET_BYTES);
    const fitted = fitReport(full);
    expect(bytes(fitted)).toBeLessThanOrEqual(REPORT_BUDGET_BYTES);
    expect(SyncReport.parse(fitted)).toEqual(fitted);
    expect(fitted.objectCounts).toEqual({ created: 5_000, unchanged: 4_998, failed: 1, configured: 1 });
    expect(fitted.objects.length + fitted.objectsOmitted!).toBe(10_000);
    const names = new Set(fitted.objects.map((o) => o.name));
    expect(names).toContain(cm(4_321).name);
    expect(names).toContain(cm(9_999).name);
    // Changed objects are kept before unchanged ones; listed results keep the pass's order.
    expect(fitted.objects.filter((o) => o.action === 'created').length).toBe(5_000);
    expect(fitted.objectsOmitted).toBeGreaterThan(0);
    const order = fitted.objects.map((o) => Number(o.name.split('-').at(-1)));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});

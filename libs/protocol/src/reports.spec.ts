import { describe, expect, it } from 'vitest';
import { DriftReport, SyncReport } from './reports.js';

const base = {
  protocol: 1,
  clusterId: '0b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f21',
  seq: 3,
  revision: 'a'.repeat(40),
};

describe('report schemas', () => {
  const sync = {
    ...base,
    startedAt: '2026-11-27T10:00:00.000Z',
    finishedAt: '2026-11-27T10:00:01.000Z',
    durationMs: 1000,
    state: 'Synced',
    health: 'Healthy',
    objects: [
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'cfg', action: 'created', health: 'Healthy' },
    ],
    sourceAvailable: true,
  };

  it('accepts a well-formed sync report', () => {
    expect(SyncReport.safeParse(sync).success).toBe(true);
  });

  it('rejects an unknown object action, naming the field', () => {
    const bad = { ...sync, objects: [{ ...sync.objects[0], action: 'exploded' }] };
    const r = SyncReport.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['objects', 0, 'action']);
  });

  it('rejects unknown top-level fields and short revisions', () => {
    expect(SyncReport.safeParse({ ...sync, extra: 1 }).success).toBe(false);
    expect(SyncReport.safeParse({ ...sync, revision: 'abc' }).success).toBe(false);
  });

  it('accepts a drift report that names the manager', () => {
    const drift = {
      ...base,
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'api' },
      fields: ['spec.replicas'],
      managers: ['kubectl-scale'],
      detectedAt: '2026-11-27T10:00:00.000Z',
      resolution: 'reverted',
      revertLatencyMs: 40,
    };
    expect(DriftReport.safeParse(drift).success).toBe(true);
    expect(DriftReport.safeParse({ ...drift, resolution: 'ignored' }).success).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { inSeqOrder, parseReport } from './report.parser.js';

const id = '0b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f21';
const other = '1b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f22';
const sha = 'a'.repeat(40);
const enc = (o: object) => new TextEncoder().encode(JSON.stringify(o));
const now = new Date().toISOString();
const sync = {
  protocol: 1,
  clusterId: id,
  seq: 3,
  revision: sha,
  appliedRevision: sha,
  startedAt: now,
  finishedAt: now,
  durationMs: 5,
  state: 'Synced',
  health: 'Healthy',
  objects: [],
  sourceAvailable: true,
};
const drift = {
  protocol: 1,
  clusterId: id,
  seq: 4,
  revision: sha,
  object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'api' },
  fields: ['spec.replicas'],
  managers: ['kubectl-scale'],
  detectedAt: now,
  resolution: 'reverted',
};

describe('parseReport', () => {
  it('accepts sync and drift reports by subject kind', () => {
    expect(parseReport(`flotilla.v1.agent.${id}.sync`, enc(sync))).toMatchObject({
      ok: true,
      value: { kind: 'sync', clusterId: id, report: { seq: 3 } },
    });
    expect(parseReport(`flotilla.v1.agent.${id}.drift`, enc(drift))).toMatchObject({
      ok: true,
      value: { kind: 'drift', report: { managers: ['kubectl-scale'] } },
    });
  });

  it('validates a body against the schema of its subject, naming the bad field', () => {
    const r = parseReport(`flotilla.v1.agent.${id}.sync`, enc(drift));
    expect(r).toMatchObject({ ok: false, reason: 'schema' });
    expect(!r.ok && r.detail).toContain('startedAt');
  });

  it('rejects bad JSON, another cluster in the body, and other subjects', () => {
    expect(parseReport(`flotilla.v1.agent.${id}.sync`, new TextEncoder().encode('{'))).toMatchObject({
      ok: false,
      reason: 'bad_json',
    });
    expect(parseReport(`flotilla.v1.agent.${id}.drift`, enc({ ...drift, clusterId: other }))).toMatchObject({
      ok: false,
      reason: 'cluster_mismatch',
    });
    expect(parseReport(`flotilla.v1.agent.${id}.heartbeat`, enc(sync))).toMatchObject({
      ok: false,
      reason: 'bad_subject',
    });
  });
});

describe('inSeqOrder', () => {
  it('orders reports per cluster by seq', () => {
    const r = (clusterId: string, seq: number) => ({ clusterId, report: { seq } });
    expect(inSeqOrder([r(other, 2), r(id, 9), r(other, 1), r(id, 3)])).toEqual([
      r(id, 3),
      r(id, 9),
      r(other, 1),
      r(other, 2),
    ]);
  });
});

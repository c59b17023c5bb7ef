import { describe, expect, it } from 'vitest';
import { latestPerCluster, parseHeartbeat } from './heartbeat.parser.js';

const id = '0b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f21';
const other = '1b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f22';
const subject = `flotilla.v1.agent.${id}.heartbeat`;
const facts = { kubeVersion: 'v1.31.0', agentVersion: '0.1.0', provider: 'kind', region: 'local', nodeCount: 3 };
const body = (o: object) =>
  new TextEncoder().encode(
    JSON.stringify({ protocol: 1, clusterId: id, sentAt: new Date().toISOString(), seq: 1, facts, ...o }),
  );
const at = new Date('2026-01-01T00:00:00Z');

describe('parseHeartbeat', () => {
  it('accepts a valid heartbeat and stamps it with the receive time', () => {
    const r = parseHeartbeat(subject, body({}), at);
    expect(r).toMatchObject({ ok: true, value: { clusterId: id, seenAt: at, heartbeat: { facts } } });
  });

  it('rejects a body that is not JSON', () => {
    expect(parseHeartbeat(subject, new TextEncoder().encode('{nope'), at)).toMatchObject({
      ok: false,
      reason: 'bad_json',
    });
  });

  it('rejects a body failing the schema and names the field', () => {
    const r = parseHeartbeat(subject, body({ facts: { ...facts, nodeCount: -1 } }), at);
    expect(r).toMatchObject({ ok: false, reason: 'schema' });
    expect(!r.ok && r.detail).toContain('facts.nodeCount');
  });

  it('rejects a heartbeat whose body names another cluster than its subject', () => {
    expect(parseHeartbeat(subject, body({ clusterId: other }), at)).toMatchObject({
      ok: false,
      reason: 'cluster_mismatch',
    });
  });

  it('rejects messages on other subjects', () => {
    expect(parseHeartbeat(`flotilla.v1.agent.${id}.drift`, body({}), at)).toMatchObject({
      ok: false,
      reason: 'bad_subject',
    });
  });
});

describe('latestPerCluster', () => {
  it('keeps the newest heartbeat of each cluster', () => {
    const hb = (clusterId: string, t: number) => ({ clusterId, seenAt: new Date(t), heartbeat: {} as never });
    const out = latestPerCluster([hb(id, 2), hb(other, 1), hb(id, 3), hb(id, 1)]);
    expect(out.map((h) => [h.clusterId, h.seenAt.getTime()])).toEqual([
      [id, 3],
      [other, 1],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, RELAY_MAX_PAYLOAD_BYTES, isOwnInbox, subjects } from '@flotilla/protocol';
import { decide } from './relay-request.js';

const id = '0b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f21';
const other = '9f8e7d6c-5b4a-4c3b-8a2f-1e0d9c8b7a65';
const inbox = `${subjects.agentInboxPrefix(id)}.Abc123.7`;
const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const facts = { kubeVersion: 'v1.31.2', agentVersion: '0.1.0', provider: 'x', region: 'y', nodeCount: 1 };
const heartbeat = (clusterId = id) => ({
  protocol: PROTOCOL_VERSION,
  clusterId,
  sentAt: new Date().toISOString(),
  seq: 3,
  facts,
});
const sync = {
  protocol: PROTOCOL_VERSION,
  clusterId: id,
  seq: 41,
  revision: 'a'.repeat(40),
  startedAt: new Date().toISOString(),
  finishedAt: new Date().toISOString(),
  durationMs: 5,
  state: 'Synced',
  health: 'Healthy',
  objects: [],
  sourceAvailable: true,
};

describe('isOwnInbox', () => {
  it.each([
    [inbox, true],
    [`${subjects.agentInboxPrefix(id)}.x`, true],
    [subjects.agentInboxPrefix(id), false],
    [`${subjects.agentInboxPrefix(id)}.>`, false],
    [`${subjects.agentInboxPrefix(id)}.*`, false],
    [`${subjects.agentInboxPrefix(id)}.a.*.b`, false],
    [`${subjects.agentInboxPrefix(id)}..a`, false],
    [`${subjects.agentInboxPrefix(id)}.a b`, false],
    [`${subjects.agentInboxPrefix(other)}.abc`, false],
    [`$KV.flotilla-desired.${other}`, false],
    ['$JS.API.STREAM.PURGE.KV_flotilla-desired', false],
    ['$SYS.REQ.SERVER.PING', false],
    ['_INBOX_HUB.abc', false],
    ['>', false],
    ['*.>', false],
    [undefined, false],
    ['', false],
  ])('%s → %s', (reply, own) => {
    expect(isOwnInbox(reply, id)).toBe(own);
  });
});

describe('decide', () => {
  it('stores a valid heartbeat on the stream subject, without a message id', () => {
    const d = decide({ subject: subjects.relay(id, 'heartbeat'), reply: inbox, data: enc(heartbeat()) });
    expect(d).toMatchObject({ action: 'store', clusterId: id, kind: 'heartbeat', reply: inbox });
    expect(d.action === 'store' && d.streamSubject).toBe(subjects.agent(id, 'heartbeat'));
    expect(d.action === 'store' && d.msgId).toBeUndefined();
  });

  it("derives a report's message id from the sender and seq, never from the agent", () => {
    const d = decide({ subject: subjects.relay(id, 'sync'), reply: inbox, data: enc(sync) });
    expect(d).toMatchObject({ action: 'store', streamSubject: subjects.agent(id, 'sync'), msgId: `${id}:41` });
  });

  it.each([
    ['a foreign KV key', `$KV.flotilla-desired.${other}`],
    ['the purge API', '$JS.API.STREAM.PURGE.KV_flotilla-desired'],
    ['a wildcard', '>'],
    ['another agent inbox', `${subjects.agentInboxPrefix(other)}.abc`],
    ['no reply at all', undefined],
  ])('drops, unanswered, a request whose reply is %s', (_what, reply) => {
    const d = decide({ subject: subjects.relay(id, 'heartbeat'), reply, data: enc(heartbeat()) });
    expect(d).toMatchObject({ action: 'drop', reason: 'foreign_reply' });
  });

  it('drops a subject that is not a relay subject', () => {
    expect(decide({ subject: 'flotilla.v1.relay.nope.sync', reply: inbox, data: enc(sync) })).toMatchObject({
      action: 'drop',
      reason: 'bad_subject',
    });
  });

  it('refuses a body naming another cluster', () => {
    const d = decide({ subject: subjects.relay(id, 'heartbeat'), reply: inbox, data: enc(heartbeat(other)) });
    expect(d).toMatchObject({ action: 'refuse', refusal: { code: 'cluster_mismatch', retryable: false } });
  });

  it('refuses bad JSON, a schema failure (naming the field), an unknown kind and an oversized body', () => {
    const bad = (kind: 'sync' | 'event', data: Uint8Array) =>
      decide({ subject: subjects.relay(id, kind), reply: inbox, data });
    expect(bad('sync', enc('{nope'))).toMatchObject({ action: 'refuse', refusal: { code: 'invalid' } });
    const noRev = bad('sync', enc({ ...sync, revision: 'x' }));
    expect(noRev).toMatchObject({ action: 'refuse', refusal: { code: 'invalid' } });
    expect(noRev.action === 'refuse' && noRev.refusal.error).toMatch(/revision/);
    expect(bad('event', enc({}))).toMatchObject({ action: 'refuse', refusal: { code: 'unsupported_kind' } });
    expect(bad('sync', new Uint8Array(RELAY_MAX_PAYLOAD_BYTES + 1))).toMatchObject({
      action: 'refuse',
      refusal: { code: 'too_large' },
    });
  });

  it("turns a desired-state request into a read of the sender's own key", () => {
    expect(decide({ subject: subjects.relay(id, 'desired'), reply: inbox, data: enc('') })).toEqual({
      action: 'read-desired',
      clusterId: id,
      reply: inbox,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { agentPermissions, hubPermissions, leafPermissions, subjects } from './subjects.js';

const id = '0b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f21';

describe('subjects', () => {
  it('round-trips an agent subject', () => {
    expect(subjects.parseAgent(subjects.agent(id, 'heartbeat'))).toEqual({ clusterId: id, kind: 'heartbeat' });
  });

  it('refuses a cluster id that could widen a subject', () => {
    expect(() => subjects.agent('*', 'heartbeat')).toThrow(/not a cluster id/);
    expect(() => subjects.desired('a.>')).toThrow(/not a cluster id/);
  });

  it('does not parse foreign subjects', () => {
    expect(subjects.parseAgent('flotilla.v1.agent.nope.heartbeat')).toBeUndefined();
    expect(subjects.parseAgent(`flotilla.v2.agent.${id}.heartbeat`)).toBeUndefined();
  });

  it('gives an agent only its own subjects and a private inbox', () => {
    const p = agentPermissions(id);
    expect([...p.pub.allow, ...p.sub.allow].every((s) => s.includes(id) || s.includes(id.replace(/-/g, '')))).toBe(
      true,
    );
    expect(p.sub.allow.some((s) => s.startsWith('_INBOX.'))).toBe(false);
  });

  it('lets an agent publish only on its own relay subjects: nothing a stream captures, no JetStream or KV API', () => {
    const p = agentPermissions(id);
    expect(p.pub.allow).toEqual([`flotilla.v1.relay.${id}.>`]);
    expect(p.pub.allow.some((s) => s.startsWith('$') || s.startsWith(subjects.agentAll.slice(0, -1)))).toBe(false);
    expect(p.resp).toBeUndefined();
  });

  it('round-trips a relay subject and refuses foreign ones', () => {
    expect(subjects.parseRelay(subjects.relay(id, 'desired'))).toEqual({ clusterId: id, kind: 'desired' });
    expect(subjects.parseRelay(subjects.agent(id, 'sync'))).toBeUndefined();
    expect(() => subjects.relay('>', 'sync')).toThrow(/not a cluster id/);
  });

  it('lets the hub answer requests (one reply each) and write the agent stream', () => {
    const p = hubPermissions();
    expect(p.resp).toEqual({ max: 1, ttlMs: 60_000 });
    expect(p.pub.allow).toContain(subjects.agentAll);
    expect(p.sub.allow).toContain('flotilla.v1.relay.>');
  });
});

describe('leafPermissions', () => {
  const other = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
  it("lets a site's leaf receive only its own clusters' desired state and inboxes, and send only relay requests", () => {
    const p = leafPermissions([id, other]);
    expect(p.pub.allow).toEqual([subjects.relayAll]);
    expect(p.sub.allow).toEqual([
      subjects.desired(id),
      `${subjects.agentInboxPrefix(id)}.>`,
      subjects.desired(other),
      `${subjects.agentInboxPrefix(other)}.>`,
    ]);
    expect(p.resp).toBeUndefined();
  });
  it('refuses a site without clusters and ids that could widen a subject', () => {
    expect(() => leafPermissions([])).toThrow(/ids of the clusters/);
    expect(() => leafPermissions(['*'])).toThrow(/not a cluster id/);
  });
});

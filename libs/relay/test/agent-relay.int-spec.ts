import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_STREAM, PROTOCOL_VERSION, RelayReply, agentPermissions, subjects } from '@flotilla/protocol';
import { startNats, type TestNats } from '@flotilla/testing';
import { AgentRelay, type RelayOutcome } from '../src/agent-relay.js';

const quiet = { warn: () => undefined, error: () => undefined };
const FACTS = { kubeVersion: 'v1.31.2', agentVersion: '0.1.0', provider: 'x', region: 'y', nodeCount: 1 };

describe('AgentRelay replicas in one queue group', () => {
  let nats: TestNats;
  const conns: NatsConnection[] = [];
  const relays: AgentRelay[] = [];
  const outcomes: RelayOutcome[][] = [[], []];
  const id = randomUUID();
  let agent: NatsConnection;

  beforeAll(async () => {
    nats = await startNats();
    for (let i = 0; i < 2; i++) {
      const hub = await nats.connect(nats.hub);
      conns.push(hub);
      if (i === 0)
        await (await jetstreamManager(hub)).streams.add({ name: AGENT_STREAM, subjects: [subjects.agentAll] });
      const relay = new AgentRelay({ nc: hub, logger: quiet, onOutcome: (o) => outcomes[i]!.push(o) });
      relay.start();
      relays.push(relay);
      await hub.flush();
    }
    agent = await nats.connect(
      await nats.userFor(agentPermissions(id), { inboxPrefix: subjects.agentInboxPrefix(id) }),
    );
    conns.push(agent);
  });
  afterAll(async () => {
    for (const r of relays) await r.stop();
    for (const c of conns) await c.close();
    await nats?.[Symbol.asyncDispose]();
  });

  it('answers each request once, shares them between replicas, and stores each heartbeat once', async () => {
    const N = 60;
    const replies = await Promise.all(
      Array.from({ length: N }, async (_, seq) => {
        const hb = { protocol: PROTOCOL_VERSION, clusterId: id, sentAt: new Date().toISOString(), seq, facts: FACTS };
        const m = await agent.request(subjects.relay(id, 'heartbeat'), JSON.stringify(hb), { timeout: 10_000 });
        return RelayReply.parse(m.json());
      }),
    );
    expect(replies.every((r) => r.ok)).toBe(true);
    expect(new Set(replies.map((r) => r.ok && r.streamSeq)).size).toBe(N);
    expect(outcomes[0]!.length + outcomes[1]!.length).toBe(N);
    expect(outcomes[0]!.length).toBeGreaterThan(0);
    expect(outcomes[1]!.length).toBeGreaterThan(0);
    const info = await (await jetstreamManager(conns[0]!)).streams.info(AGENT_STREAM);
    expect(info.state.messages).toBe(N);
  });

  it('refuses a desired-state read as retryable while the bucket is missing (never answers a made-up value)', async () => {
    const m = await agent.request(subjects.relay(id, 'desired'), '', { timeout: 10_000 });
    expect(RelayReply.parse(m.json())).toMatchObject({ ok: false, code: 'unavailable', retryable: true });
  });
});

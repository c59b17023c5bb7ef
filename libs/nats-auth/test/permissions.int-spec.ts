import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { AGENT_CONSUMER, AGENT_STREAM, DESIRED_BUCKET, agentPermissions, subjects } from '@flotilla/protocol';
import { scaled, startNats, type NatsCreds, type TestNats } from '@flotilla/testing';
import { decodeUserJwt } from '../src/index.js';

/** Collects the server errors a connection reports on its status stream. */
function serverErrors(nc: NatsConnection): string[] {
  const errors: string[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.error));
  })();
  return errors;
}

describe('NATS identities in JWT mode', () => {
  let nats: TestNats;
  let hub: NatsConnection;
  let desired: KV;
  const idA = randomUUID();
  const idB = randomUUID();
  let credsA: NatsCreds;
  let a: NatsConnection;
  let errorsA: string[];

  beforeAll(async () => {
    nats = await startNats();
    hub = await nats.connect(nats.hub);
    await (await jetstreamManager(hub)).streams.add({ name: AGENT_STREAM, subjects: [subjects.agentAll] });
    desired = await new Kvm(hub).create(DESIRED_BUCKET, { allow_direct: true, history: 1 });
    await desired.put(idA, JSON.stringify({ for: idA }));
    await desired.put(idB, JSON.stringify({ for: idB }));
    credsA = await nats.userFor(agentPermissions(idA), {
      name: 'agent-a',
      inboxPrefix: subjects.agentInboxPrefix(idA),
    });
  });

  // Each test gets a fresh connection: a permission violation must not leak between tests.
  const connectA = async () => {
    a = await nats.connect(credsA);
    errorsA = serverErrors(a);
  };
  const closeA = () => a.close();

  afterAll(async () => {
    await hub?.close();
    await nats?.[Symbol.asyncDispose]();
  });

  const streamCount = async (subject: string) => {
    const info = await (await jetstreamManager(hub)).streams.info(AGENT_STREAM, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  };

  it('refuses a client without credentials', async () => {
    await expect(connect({ servers: nats.url, reconnect: false, timeout: scaled(2000) })).rejects.toThrow(
      /authorization violation/i,
    );
  });

  it('refuses a user JWT signed by an account the operator does not know', async () => {
    const { startNats: startOther } = await import('@flotilla/testing');
    await using other = await startOther();
    const foreign = await other.userFor(agentPermissions(idA));
    await expect(nats.connect(foreign, { reconnect: false, timeout: scaled(2000) })).rejects.toThrow(
      /authorization violation/i,
    );
  });

  it('refuses an expired user JWT', async () => {
    const shortLived = await nats.userFor(agentPermissions(idA), {
      inboxPrefix: subjects.agentInboxPrefix(idA),
      expiresInSeconds: 1,
    });
    const expiresAt = decodeUserJwt(shortLived.jwt).expiresAt!.getTime();
    await expect.poll(() => Date.now(), { timeout: scaled(5_000) }).toBeGreaterThan(expiresAt + 1_000);
    await expect(nats.connect(shortLived, { reconnect: false, timeout: scaled(2000) })).rejects.toThrow(
      /authorization violation|expired/i,
    );
  });

  it('lets agent A publish on its own relay subjects and answer-listen on its own inbox; no stream stores them', async () => {
    await connectA();
    const seen: string[] = [];
    const relay = hub.subscribe(subjects.relayAll, {
      callback: (_e, m) => {
        seen.push(m.subject);
        m.respond('{"ok":true}');
      },
    });
    await hub.flush();
    const reply = await a.request(subjects.relay(idA, 'heartbeat'), '{"seq":1}', { timeout: 2000 });
    expect(reply.string()).toBe('{"ok":true}');
    expect(seen).toEqual([subjects.relay(idA, 'heartbeat')]);
    relay.unsubscribe();
    expect((await (await jetstreamManager(hub)).streams.info(AGENT_STREAM)).state.messages).toBe(0);
    expect(errorsA).toEqual([]);
    await closeA();
  });

  it.each([
    ["B's relay subject", () => subjects.relay(idB, 'heartbeat')],
    ["B's stream subject", () => subjects.agent(idB, 'heartbeat')],
    ['its own stream subject', () => subjects.agent(idA, 'heartbeat')],
    ['its own desired-state key', () => subjects.desired(idA)],
  ])('denies agent A publishing on %s, reported on nc.status() and not stored', async (_what, subject) => {
    await connectA();
    a.publish(subject(), '{"forged":true}');
    await a.flush();
    await expect
      .poll(() => errorsA.join('\n'))
      .toMatch(new RegExp(`permissions violation for publish to "${subject().replace(/[.$]/g, '\\$&')}"`, 'i'));
    expect(await streamCount(subject())).toBe(0);
    expect((await desired.get(idA))?.json()).toEqual({ for: idA });
    await closeA();
  });

  it.each([
    ['B heartbeat', () => subjects.agent(idB, 'heartbeat')],
    ['B desired state', () => subjects.desired(idB)],
    ['the shared inbox', () => '_INBOX.>'],
    ["B's inbox", () => `${subjects.agentInboxPrefix(idB)}.>`],
  ])('denies agent A subscribing to %s', async (_what, subject) => {
    await connectA();
    const sub = a.subscribe(subject());
    const ended = Promise.race([
      (async () => {
        for await (const _m of sub) {
          // no message may arrive
        }
      })(),
      new Promise((_r, reject) => setTimeout(() => reject(new Error('subscription stayed open')), scaled(3000))),
    ]);
    await expect(ended).rejects.toThrow(/permissions violation for subscription/i);
    expect(errorsA.join('\n')).toMatch(/permissions violation for subscription/i);
    await closeA();
  });

  it('denies agent A the JetStream API (it cannot delete the stream)', async () => {
    await connectA();
    await expect(
      jetstreamManager(a, { timeout: scaled(1000) }).then((m) => m.streams.delete(AGENT_STREAM)),
    ).rejects.toThrow();
    expect(errorsA.join('\n')).toMatch(/permissions violation for publish to "\$JS\.API/i);
    expect((await (await jetstreamManager(hub)).streams.info(AGENT_STREAM)).config.name).toBe(AGENT_STREAM);
    await closeA();
  });

  it.each([
    ['its own', () => idA],
    ["B's", () => idB],
  ])('denies agent A a direct get of %s desired state (JetStream would answer any reply subject)', async (_w, id) => {
    await connectA();
    await expect(a.request(subjects.desiredDirectGet(id()), '', { timeout: scaled(1000) })).rejects.toThrow();
    expect(errorsA.join('\n')).toMatch(/permissions violation for publish to "\$JS\.API\.DIRECT\.GET/i);
    await closeA();
  });

  it('delivers later desired-state puts to agent A on a core subscription, and only its own', async () => {
    await connectA();
    const received: string[] = [];
    const sub = a.subscribe(subjects.desired(idA), { callback: (_e, m) => void received.push(m.string()) });
    await a.flush();
    await desired.put(idB, JSON.stringify({ for: idB, rev: 2 }));
    await desired.put(idA, JSON.stringify({ for: idA, rev: 2 }));
    await expect.poll(() => received).toEqual([JSON.stringify({ for: idA, rev: 2 })]);
    sub.unsubscribe();
    expect(errorsA).toEqual([]);
    await closeA();
  });

  it('lets the hub write agent messages to the stream and read them with its durable consumer', async () => {
    await jetstream(hub).publish(subjects.agent(idA, 'heartbeat'), '{"seq":"for-the-hub"}');
    const jsm = await jetstreamManager(hub);
    await jsm.consumers.add(AGENT_STREAM, {
      durable_name: AGENT_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      filter_subject: subjects.agentAll,
    });
    const consumer = await jetstream(hub).consumers.get(AGENT_STREAM, AGENT_CONSUMER);
    const batch = await consumer.fetch({ max_messages: 10, expires: 1000 });
    const seen: string[] = [];
    for await (const m of batch) {
      seen.push(m.string());
      await m.ackAck();
    }
    expect(seen).toContain('{"seq":"for-the-hub"}');
    expect((await jsm.consumers.info(AGENT_STREAM, AGENT_CONSUMER)).num_ack_pending).toBe(0);
  });
});

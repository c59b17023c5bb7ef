/**
 * Issue 13.1: an agent's own credentials must not reach JetStream through reply subjects. NATS
 * checks the subject of a publish, not its reply subject, and JetStream answers to any reply
 * subject; before the relay, an agent could store JetStream's ack as another cluster's desired
 * state or purge the whole bucket. Here a real agent credential (from registration) tries every
 * such trick against a real control plane and a real nats-server in JWT mode, and nothing changes.
 */
import { randomUUID } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AGENT_STREAM,
  DESIRED_BUCKET,
  PROTOCOL_VERSION,
  RelayKind,
  subjects,
  type DesiredState,
} from '@flotilla/protocol';
import { accountPublicKey } from '@flotilla/nats-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, registerAgent, type TestAgent } from './support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from './support/harness.js';
import { syncReport } from './support/reports.js';

const SHA = 'c'.repeat(40);

describe('reply-subject attacks with a real agent credential', () => {
  let h: Harness;
  let hub: NatsConnection;
  let jsm: JetStreamManager;
  let kv: KV;
  let attacker: TestAgent;
  let victim: TestAgent;
  let bystander: TestAgent;
  let victimDesired: DesiredState;
  const errors: string[] = [];

  const desiredFor = (clusterId: string, path: string): DesiredState => ({
    protocol: PROTOCOL_VERSION,
    clusterId,
    repoUrl: 'https://git.example/fleet.git',
    branch: 'main',
    path,
    revision: SHA,
    prune: true,
    selfHeal: true,
    updatedAt: new Date().toISOString(),
  });
  const metric = async (line: string) => {
    const text = await (await fetch(`${h.cp.url}/metrics`)).text();
    const found = text.split('\n').find((l) => l.startsWith(line));
    return found ? Number(found.slice(line.length).trim()) : 0;
  };
  const dropped = () => metric('flotilla_relay_requests_total{outcome="dropped",detail="foreign_reply"}');
  const lastSync = async (id: string) =>
    (await h.gql('query($id: ID!) { cluster(id: $id) { sync { lastResult { seq revision } } } }', { id })).data.cluster
      .sync.lastResult;
  const streamState = async () => {
    const info = await jsm.streams.info(AGENT_STREAM, { subjects_filter: subjects.agentAll });
    return { first: info.state.first_seq, messages: info.state.messages, bySubject: info.state.subjects ?? {} };
  };
  const bucketState = async () => {
    const info = await jsm.streams.info(`KV_${DESIRED_BUCKET}`);
    return { first: info.state.first_seq, messages: info.state.messages, last: info.state.last_seq };
  };
  const serverStart = async () =>
    ((await (await fetch(`${h.nats.monitorUrl}/varz`)).json()) as { start: string }).start;

  beforeAll(async () => {
    h = await startHarness();
    hub = await h.nats.connect(h.nats.hub);
    jsm = await jetstreamManager(hub);
    kv = await new Kvm(hub).open(DESIRED_BUCKET);
    const { token } = await createRegistrationToken(h, { maxUses: 3 });
    attacker = await registerAgent(h, token, 'attacker');
    victim = await registerAgent(h, token, 'victim');
    bystander = await registerAgent(h, token, 'bystander');
    victimDesired = desiredFor(victim.clusterId, 'clusters/victim');
    await kv.put(victim.clusterId, JSON.stringify(victimDesired));
    await kv.put(attacker.clusterId, JSON.stringify(desiredFor(attacker.clusterId, 'clusters/attacker')));
    await victim.report('sync', syncReport(victim.clusterId, 0, SHA));
    await bystander.report('sync', syncReport(bystander.clusterId, 0, SHA));
    await eventually(async () => (await lastSync(bystander.clusterId))?.seq === 0, 10_000, 'bystander report stored');
    await eventually(async () => (await lastSync(victim.clusterId))?.seq === 0, 10_000, 'victim report stored');
    void (async () => {
      for await (const s of attacker.nc.status()) if (s.type === 'error') errors.push(String(s.error));
    })();
  });
  afterAll(async () => {
    for (const a of [attacker, victim, bystander]) await a?.close().catch(() => undefined);
    await hub?.close();
    await h?.close();
  });

  /** Every reply subject the issue names, plus the hub's, $SYS, another inbox and wildcards. */
  const replies = () => {
    const other = victim.clusterId;
    return [
      `$KV.${DESIRED_BUCKET}.${other}`,
      `$JS.API.DIRECT.GET.KV_${DESIRED_BUCKET}.$KV.${DESIRED_BUCKET}.${other}`,
      `$JS.API.STREAM.PURGE.KV_${DESIRED_BUCKET}`,
      `$JS.API.STREAM.DELETE.KV_${DESIRED_BUCKET}`,
      `$JS.API.STREAM.PURGE.${AGENT_STREAM}`,
      `$JS.API.STREAM.DELETE.${AGENT_STREAM}`,
      `$JS.API.CONSUMER.DELETE.${AGENT_STREAM}.control-plane`,
      subjects.agent(other, 'sync'),
      subjects.agent(other, 'heartbeat'),
      subjects.relay(other, 'sync'),
      `${subjects.hubInboxPrefix}.forged`,
      'flotilla.v1.hub.forged',
      '$SYS.REQ.SERVER.PING',
      `$SYS.REQ.ACCOUNT.${accountPublicKey(h.nats.trust)}.CONNZ`,
      `${subjects.agentInboxPrefix(other)}.stolen`,
      '>',
      '*.>',
      '$KV.>',
      `$KV.${DESIRED_BUCKET}.>`,
      `$KV.${DESIRED_BUCKET}.*`,
      '$JS.API.>',
      '$SYS.>',
      `${subjects.agentInboxPrefix(attacker.clusterId)}.>`,
      `${subjects.agentInboxPrefix(attacker.clusterId)}.*`,
    ];
  };

  /** Valid bodies, so that only the reply subject is wrong. */
  const bodies = (): Record<RelayKind, string> => ({
    heartbeat: JSON.stringify(attacker.heartbeatBody()),
    sync: JSON.stringify(syncReport(attacker.clusterId, 900, SHA)),
    drift: '{}',
    event: '{}',
    desired: '',
  });

  /** The victim's desired state, the bucket, the report stream and the server's start time. */
  const snapshot = async () => ({
    desired: await kv.get(victim.clusterId),
    bucket: await bucketState(),
    stream: await streamState(),
    start: await serverStart(),
  });
  /** Nothing an attack could reach changed, and the server did not restart. */
  const expectUnchanged = async (before: Awaited<ReturnType<typeof snapshot>>) => {
    const after = await kv.get(victim.clusterId);
    expect(after?.revision).toBe(before.desired?.revision);
    expect(after?.json()).toEqual(victimDesired);
    expect(await bucketState()).toEqual(before.bucket);
    expect(await streamState()).toEqual(before.stream);
    expect(await serverStart()).toBe(before.start);
  };

  it('never answers (or stores) a relay request whose reply subject is not the agent’s own inbox', async () => {
    const before = { ...(await snapshot()), dropped: await dropped() };
    let sent = 0;
    for (const reply of replies())
      for (const [kind, body] of Object.entries(bodies())) {
        attacker.nc.publish(subjects.relay(attacker.clusterId, kind as RelayKind), body, { reply });
        sent++;
      }
    await attacker.nc.flush();
    await eventually(async () => (await dropped()) >= before.dropped + sent, 15_000, `${sent} requests dropped`);
    expect(await dropped()).toBe(before.dropped + sent);
    expect(errors).toEqual([]);

    await expectUnchanged(before);
  });

  it('refuses, at the server, every direct route to JetStream with those reply subjects', async () => {
    const before = await snapshot();
    const direct = [
      subjects.agent(attacker.clusterId, 'event'),
      subjects.agent(attacker.clusterId, 'heartbeat'),
      subjects.desiredDirectGet(attacker.clusterId),
      `$JS.API.STREAM.MSG.GET.KV_${DESIRED_BUCKET}`,
      `$JS.API.STREAM.INFO.${AGENT_STREAM}`,
      subjects.desired(attacker.clusterId),
      '$SYS.REQ.SERVER.PING',
    ];
    const errors0 = errors.length;
    let sent = 0;
    for (const subject of direct)
      for (const reply of replies()) {
        attacker.nc.publish(subject, '{"seq":1}', { reply });
        sent++;
      }
    await attacker.nc.flush();
    await eventually(async () => errors.length - errors0 >= sent, 15_000, `${sent} permission violations`);
    expect(errors.slice(errors0).every((e) => /permissions violation for publish/i.test(e))).toBe(true);

    await expectUnchanged(before);
  });

  it('leaves the server up and serving: agents still send, read their own state, and reports land', async () => {
    expect((await fetch(`${h.nats.monitorUrl}/healthz`)).status).toBe(200);
    expect(await victim.desired()).toEqual(victimDesired);
    expect((await attacker.desired())?.path).toBe('clusters/attacker');
    await attacker.heartbeat();
    await bystander.report('sync', syncReport(bystander.clusterId, 1, SHA));
    await eventually(async () => (await lastSync(bystander.clusterId))?.seq === 1, 10_000, 'bystander report stored');
    expect(await lastSync(victim.clusterId)).toEqual({ seq: 0, revision: SHA });
    const fresh = await h.nats.connect(h.nats.hub);
    expect((await (await jetstreamManager(fresh)).streams.info(AGENT_STREAM)).config.name).toBe(AGENT_STREAM);
    await fresh.close();
    // No stream in the account captures what an agent may publish.
    for (const kind of Object.values(RelayKind))
      await expect(jsm.streams.find(subjects.relay(attacker.clusterId, kind))).rejects.toThrow(/no stream matches/i);
  });

  it("answers in the agent's own inbox only, so another agent cannot read a victim's state through it", async () => {
    // The victim's desired state is read only by a request on the victim's own relay subject,
    // which the attacker may not publish on.
    const errors0 = errors.length;
    await expect(
      attacker.nc.request(subjects.relay(victim.clusterId, 'desired'), '', { timeout: 1000 }),
    ).rejects.toThrow();
    await eventually(async () => errors.length > errors0, 5000, 'permission violation');
    expect(errors.slice(errors0).join('\n')).toMatch(/permissions violation for publish to "flotilla\.v1\.relay\./i);
  });

  it('is a real attack on this server: the old credential shape (publish on a stream subject) overwrites another key', async () => {
    // The canary shows what the tests above would catch: JetStream stores its ack under the reply subject.
    const [oldShape, target] = [randomUUID(), randomUUID()];
    await kv.put(target, JSON.stringify(desiredFor(target, 'clusters/target')));
    const creds = await h.nats.userFor(
      { pub: { allow: [subjects.agentOwn(oldShape)] }, sub: { allow: [`${subjects.agentInboxPrefix(oldShape)}.>`] } },
      { inboxPrefix: subjects.agentInboxPrefix(oldShape) },
    );
    const old = await h.nats.connect(creds);
    try {
      old.publish(subjects.agent(oldShape, 'event'), '{}', { reply: subjects.desired(target) });
      await old.flush();
      await eventually(
        async () => (await kv.get(target))?.string().includes(`"stream":"${AGENT_STREAM}"`),
        5000,
        'the ack stored as the target key',
      );
    } finally {
      await old.close();
    }
    expect(await kv.get(victim.clusterId).then((e) => e?.json())).toEqual(victimDesired);
  });
});

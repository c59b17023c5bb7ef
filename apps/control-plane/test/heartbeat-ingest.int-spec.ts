import { agentPermissions, PROTOCOL_VERSION, subjects } from '@flotilla/protocol';
import { AgentRelay } from '@flotilla/relay';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, registerAgent, testAgent, type TestAgent } from './support/agent.js';
import { createRegistrationToken, FACTS, startHarness, type Harness } from './support/harness.js';
import { scaled } from '@flotilla/testing';

const CLUSTER =
  'query($id: ID) { cluster(id: $id) { connection lastSeenAt facts { kubeVersion agentVersion nodeCount provider region } } }';

describe('heartbeat ingest', () => {
  let h: Harness;
  const agents: TestAgent[] = [];
  const logged: string[] = [];
  const lines = () => logged;
  beforeAll(async () => {
    h = await startHarness({ HEARTBEAT_INTERVAL_SECONDS: '1' }, { onLog: (l) => logged.push(l) });
  });
  afterAll(async () => {
    for (const a of agents) await a.close().catch(() => undefined);
    await h?.close();
  });

  const agent = async (name: string) => {
    const { token } = await createRegistrationToken(h, { tags: ['hb'] });
    const a = await registerAgent(h, token, name);
    agents.push(a);
    return a;
  };
  const cluster = async (id: string) => (await h.gql(CLUSTER, { id })).data.cluster;
  const metric = async (line: string) => {
    const text = await (await fetch(`${h.cp.url}/metrics`)).text();
    const found = text.split('\n').find((l) => l.startsWith(line));
    return found ? Number(found.slice(line.length).trim()) : 0;
  };

  it('turns a Pending cluster Online with its reported facts, and Offline after 3 missed intervals', async () => {
    const a = await agent('hb-online');
    expect((await cluster(a.clusterId)).connection).toBe('PENDING');
    await a.heartbeat({ nodeCount: 5, kubeVersion: 'v1.32.0', agentVersion: '0.2.0' });
    const online = await eventually(
      async () => {
        const c = await cluster(a.clusterId);
        return c.connection === 'ONLINE' && c;
      },
      5000,
      'ONLINE',
    );
    expect(online.facts).toEqual({
      kubeVersion: 'v1.32.0',
      agentVersion: '0.2.0',
      nodeCount: 5,
      provider: 'kind',
      region: 'eu-west-1',
    });
    expect(Date.now() - Date.parse(online.lastSeenAt)).toBeLessThan(scaled(3000));

    await eventually(async () => (await cluster(a.clusterId)).connection === 'OFFLINE', 6000, 'OFFLINE');
    const summary = await h.gql('{ fleetSummary { clusters { offline } byTag { tag offline } } }');
    expect(summary.data.fleetSummary.clusters.offline).toBeGreaterThanOrEqual(1);
    await a.heartbeat();
    await eventually(async () => (await cluster(a.clusterId)).connection === 'ONLINE', 5000, 'ONLINE again');
  });

  it('refuses and counts malformed agent messages at the relay, naming what is wrong, and keeps ingesting', async () => {
    const a = await agent('hb-malformed');
    const other = await agent('hb-other');
    const refused = (code: string) => metric(`flotilla_relay_requests_total{outcome="refused",detail="${code}"}`);
    const [invalid0, mismatch0] = [await refused('invalid'), await refused('cluster_mismatch')];
    expect(await a.send('heartbeat', '{ not json')).toMatchObject({ ok: false, code: 'invalid', retryable: false });
    const schema = await a.send('heartbeat', a.heartbeatBody({ nodeCount: -1 }));
    expect(schema).toMatchObject({ ok: false, code: 'invalid', retryable: false });
    expect(!schema.ok && schema.error).toMatch(/facts\.nodeCount/);
    expect(await a.send('heartbeat', a.heartbeatBody({}, { clusterId: other.clusterId }))).toMatchObject({
      ok: false,
      code: 'cluster_mismatch',
    });
    await a.heartbeat({ nodeCount: 42 });
    await eventually(
      async () => (await cluster(a.clusterId)).facts.nodeCount === 42,
      5000,
      'valid heartbeat after bad ones',
    );
    expect([await refused('invalid'), await refused('cluster_mismatch')]).toEqual([invalid0 + 2, mismatch0 + 1]);
    expect((await cluster(other.clusterId)).connection).toBe('PENDING');
  });

  it('processes heartbeats another replica relayed while this control plane was stopped, once it restarts', async () => {
    const a = await agent('hb-restart');
    await h.stopControlPlane();
    // With no relay at all the agent learns at once that nothing stored its heartbeat (it retries later).
    await expect(a.heartbeat()).rejects.toThrow(/no responders|503/i);
    // Another hub replica relays into the stream while this one's ingest is down.
    const replica = await h.nats.connect(h.nats.hub);
    const relay = new AgentRelay({ nc: replica, logger: { warn: () => undefined, error: () => undefined } });
    relay.start();
    await replica.flush();
    const sentAt = Date.now();
    try {
      await a.heartbeat({ nodeCount: 7, region: 'sent-while-down' }); // stored by JetStream once this resolves
    } finally {
      await relay.stop();
      await replica.close();
    }
    const ackedAt = Date.now();
    await h.startControlPlane();
    const c = await eventually(
      async () => {
        const got = await cluster(a.clusterId);
        return got.facts.nodeCount === 7 && got;
      },
      8000,
      'heartbeat sent while down',
    );
    expect(c.facts.region).toBe('sent-while-down');
    // Seen when it was sent, not when the restarted control plane read it.
    expect(Date.parse(c.lastSeenAt)).toBeGreaterThanOrEqual(sentAt - 250);
    expect(Date.parse(c.lastSeenAt)).toBeLessThanOrEqual(ackedAt + 250);
  });

  it('redelivers heartbeats whose database write failed instead of losing them', async () => {
    const a = await agent('hb-db-down');
    const db = h.cp.app.get(DataSource);
    await db.query('ALTER TABLE clusters RENAME TO clusters_away');
    try {
      await a.heartbeat({ nodeCount: 11 });
      await eventually(
        async () => lines().some((l) => l.includes('agent messages failed, will retry')),
        5000,
        'failed write logged',
      );
    } finally {
      await db.query('ALTER TABLE clusters_away RENAME TO clusters');
    }
    await eventually(
      async () => (await cluster(a.clusterId)).facts.nodeCount === 11,
      8000,
      'heartbeat written after redelivery',
    );
  });

  it('ignores heartbeats of deregistered clusters, even from a credential NATS still accepts', async () => {
    const a = await agent('hb-gone');
    await h.gql('mutation($id: ID!) { deregisterCluster(id: $id) { id } }', { id: a.clusterId });
    // Deregistration revoked the agent's own key; a second identity with the same permissions stands in
    // for a credential the server was not told about.
    const stray = await h.nats.userFor(agentPermissions(a.clusterId), {
      inboxPrefix: subjects.agentInboxPrefix(a.clusterId),
    });
    const nc = await h.nats.connect(stray);
    try {
      const before = await metric('flotilla_heartbeats_ingested_total');
      const hb = {
        protocol: PROTOCOL_VERSION,
        clusterId: a.clusterId,
        sentAt: new Date().toISOString(),
        seq: 1,
        facts: FACTS,
      };
      await testAgent(a.clusterId, stray, nc).heartbeat({}, hb);
      await eventually(
        async () => (await metric('flotilla_heartbeats_ingested_total')) > before,
        5000,
        'heartbeat processed',
      );
    } finally {
      await nc.close();
    }
    expect(await cluster(a.clusterId)).toBeNull();
    const [row] = (await h.cp.app
      .get(DataSource)
      .query('SELECT last_seen_at FROM clusters WHERE id = $1', [a.clusterId])) as { last_seen_at: Date | null }[];
    expect(row?.last_seen_at).toBeNull();
  });
});

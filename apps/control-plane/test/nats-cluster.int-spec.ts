/**
 * The control plane on a 3-node NATS cluster (routes, JWT mode, clustered JetStream): the agent
 * stream and the desired-state bucket get 3 replicas, and kill -9 of the node the hub is
 * connected to in the middle of heavy report ingest loses nothing and stores nothing twice —
 * the hub fails over to another node and its durable consumer goes on.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AGENT_CONSUMER, AGENT_STREAM, DESIRED_BUCKET, subjects } from '@flotilla/protocol';
import { createTestDatabase, startNatsCluster, type TestDatabase, type TestNatsCluster } from '@flotilla/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane, type ControlPlane } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/load-config.js';
import { FleetEvents } from '../src/modules/fleet-events/fleet-events.js';
import { NatsService } from '../src/modules/nats/nats.service.js';
import { eventually, registerAgent, relayRequest, type TestAgent } from './support/agent.js';
import { CREATE_REGISTRATION_TOKEN, testHubEnv, AGENTS_PUBLISHER, adminGql, type Harness } from './support/harness.js';
import { syncReport } from './support/reports.js';
import { registerClusters, STORED_REPORTS_SQL } from './support/ingest-load.js';

const SHA = 'f'.repeat(40);
const CLUSTERS = 10;
const REPORTS = 30;

describe('on a 3-node NATS cluster', () => {
  let cluster: TestNatsCluster;
  let db: TestDatabase;
  let cp: ControlPlane;
  let publisher: NatsConnection;
  beforeAll(async () => {
    [cluster, db] = await Promise.all([startNatsCluster({ size: 3 }), createTestDatabase()]);
    const config = loadConfig(
      testHubEnv(db.url, cluster, {
        NATS_STREAM_REPLICAS: '3',
        REGISTER_RATE_LIMIT_PER_MINUTE: '1000',
      }),
    );
    cp = await createControlPlane(config);
    // One identity that may publish on every agent subject, standing in for many agents.
    publisher = await cluster.connect(await cluster.userFor(AGENTS_PUBLISHER.permissions, AGENTS_PUBLISHER.opts), {
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
  });
  afterAll(async () => {
    await publisher?.close();
    await cp?.close();
    await cluster?.[Symbol.asyncDispose]();
    await db?.drop();
  });

  const gql = adminGql(() => cp.url);

  it('keeps the agent stream and the desired-state bucket on 3 replicas', async () => {
    const jsm = await jetstreamManager(cp.app.get(NatsService).nc);
    for (const name of [AGENT_STREAM, `KV_${DESIRED_BUCKET}`]) {
      const info = await jsm.streams.info(name);
      expect(info.config.num_replicas).toBe(3);
      await eventually(
        async () => {
          const i = await jsm.streams.info(name);
          return i.cluster?.leader && i.cluster.replicas?.length === 2 && i.cluster.replicas.every((r) => r.current);
        },
        15_000,
        `${name}: a leader and two current replicas`,
      );
    }
  });

  it('refuses a client without credentials on every node', async () => {
    for (const node of cluster.nodes)
      await expect(connect({ servers: node.url, reconnect: false, timeout: 3000 })).rejects.toThrow();
  });

  it("kill -9 of the hub's node during report ingest: every report stored, none processed twice", async () => {
    const ids = await registerClusters(cp.url, CLUSTERS, 'nc');
    const processed: string[] = [];
    cp.app.get(FleetEvents).on('syncReported', (e) => void processed.push(`${e.clusterId}/${e.report.seq}`));

    const js = jetstream(publisher, { timeout: 2000 });
    let acked = 0;
    let retries = 0;
    /** What an agent does: publish, and on no ack send the same message (same Nats-Msg-Id) again. */
    const send = async (id: string, seq: number) => {
      const body = JSON.stringify(syncReport(id, seq, SHA));
      for (let attempt = 1; ; attempt++) {
        try {
          await js.publish(subjects.agent(id, 'sync'), body, { msgID: `${id}/${seq}` });
          acked++;
          return;
        } catch (error) {
          if (attempt >= 60) throw error;
          retries++;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    };
    const hubNode = () => cp.app.get(NatsService).nc.info?.server_name;
    const victimName = hubNode();
    const victim = cluster.nodes.find((n) => n.name === victimName)!;
    expect(victim).toBeDefined();
    const senders = ids.map(async (id) => {
      for (let seq = 0; seq < REPORTS; seq++) await send(id, seq);
    });
    // A third of the way in, kill -9 the node the hub is connected to.
    await eventually(async () => acked >= (CLUSTERS * REPORTS) / 3, 20_000, 'a third of the reports acked');
    await victim.kill();
    await Promise.all(senders);
    const total = CLUSTERS * REPORTS;
    await eventually(async () => processed.length >= total, 30_000, `${total} reports processed`);
    const rows = (await cp.app.get(DataSource).query(STORED_REPORTS_SQL, [ids])) as { n: number; d: number }[];
    expect(rows[0]).toEqual({ n: total, d: total });
    expect(processed).toHaveLength(total);
    expect(new Set(processed).size).toBe(total);
    // The stream holds each report once: a publish retried after a lost ack was a duplicate by its
    // Nats-Msg-Id. A redelivery to ingest (an ack lost with the node) is written idempotently:
    // (cluster_id, seq) is unique and only new rows make events.
    // (Asked until answered: right after the kill a stream may still be electing its leader.)
    const jsm = () => jetstreamManager(cp.app.get(NatsService).nc, { timeout: 2000 });
    const stored = await eventually(
      async () => (await (await jsm()).streams.info(AGENT_STREAM)).state.messages,
      15_000,
      'stream info',
    );
    expect(stored).toBe(total);
    const consumer = await eventually(
      async () => (await jsm()).consumers.info(AGENT_STREAM, AGENT_CONSUMER),
      15_000,
      'consumer info',
    );
    // The hub reconnected to a surviving node.
    await eventually(
      async () => hubNode() !== undefined && hubNode() !== victimName,
      10_000,
      'the hub on another node',
    );
    console.info(
      `nats-cluster ingest: ${total} reports, ${retries} publish retries, ${consumer.num_redelivered} redelivered to ingest, hub moved ${victimName} → ${hubNode()}`,
    );
    await victim.start();
  });

  it('agents reporting through the relay: kill -9 of a node loses no report and processes none twice', async () => {
    // The node killed before is back; every stream is current again.
    await cluster.jetStreamReady();
    const jsm = () => jetstreamManager(cp.app.get(NatsService).nc, { timeout: 2000 });
    await eventually(
      async () => {
        const i = await (await jsm()).streams.info(AGENT_STREAM);
        return i.cluster?.leader && i.cluster.replicas?.length === 2 && i.cluster.replicas.every((r) => r.current);
      },
      20_000,
      'the agent stream current on three nodes',
    );
    const viaCluster = {
      register: (body: unknown) =>
        fetch(`${cp.url}/v1/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      nats: { connect: cluster.connect },
    } as unknown as Harness;
    const agents: TestAgent[] = [];
    for (let i = 0; i < CLUSTERS; i++) {
      const t = await gql(CREATE_REGISTRATION_TOKEN, {
        input: { name: `a${i}`, tags: [], expiresIn: 3600, maxUses: 1 },
      });
      agents.push(
        await registerAgent(viaCluster, t.data.createRegistrationToken.token, `relay-${i}`, {
          maxReconnectAttempts: -1,
          reconnectTimeWait: 100,
        }),
      );
    }
    const ids = agents.map((a) => a.clusterId);
    const processed: string[] = [];
    cp.app.get(FleetEvents).on('syncReported', (e) => {
      if (ids.includes(e.clusterId)) processed.push(`${e.clusterId}/${e.report.seq}`);
    });
    const streamBefore = (await (await jsm()).streams.info(AGENT_STREAM)).state.messages;
    let stored = 0;
    let retries = 0;
    /** What the agent does: ask the relay to store the report; without an answer, ask again. */
    const send = async (a: TestAgent, seq: number) => {
      const body = JSON.stringify(syncReport(a.clusterId, seq, SHA));
      for (let attempt = 1; ; attempt++) {
        const reply = await relayRequest(a.nc, a.clusterId, 'sync', body, 2000).catch((e: unknown) => e as Error);
        if (!(reply instanceof Error) && reply.ok) {
          stored++;
          return;
        }
        if (attempt >= 60) throw reply instanceof Error ? reply : new Error(JSON.stringify(reply));
        retries++;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const hubNode = cp.app.get(NatsService).nc.info?.server_name;
    const victim = cluster.nodes.find((n) => n.name === hubNode)!;
    const onVictim = agents.filter((a) => a.nc.info?.server_name === hubNode).length;
    const senders = agents.map(async (a) => {
      for (let seq = 0; seq < REPORTS; seq++) await send(a, seq);
    });
    await eventually(async () => stored >= (CLUSTERS * REPORTS) / 3, 20_000, 'a third of the reports stored');
    await victim.kill();
    await Promise.all(senders);
    const total = CLUSTERS * REPORTS;
    await eventually(async () => processed.length >= total, 30_000, `${total} relayed reports processed`);
    const rows = (await cp.app.get(DataSource).query(STORED_REPORTS_SQL, [ids])) as { n: number; d: number }[];
    expect(rows[0]).toEqual({ n: total, d: total });
    expect(processed).toHaveLength(total);
    expect(new Set(processed).size).toBe(total);
    // Agents that were on the killed node are on others now.
    await eventually(
      async () => agents.every((a) => !a.nc.isClosed() && a.nc.info?.server_name !== hubNode),
      15_000,
      'every agent on a surviving node',
    );
    const streamAfter = await eventually(
      async () => (await (await jsm()).streams.info(AGENT_STREAM)).state.messages,
      15_000,
      'stream info',
    );
    console.info(
      `nats-cluster relay: ${total} reports from ${CLUSTERS} agents (${onVictim} on ${hubNode}, the hub's node, killed), ${retries} retries, ${streamAfter - streamBefore - total} duplicate stream messages (stored once)`,
    );
    for (const a of agents) await a.close();
    await victim.start();
  });
});

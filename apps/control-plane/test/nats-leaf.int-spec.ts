/**
 * An edge site: a real nats-server as a leaf node of the 3-node hub cluster (JWT mode), agents
 * connected to the leaf with their own credentials. The hub's relay answers them through the leaf,
 * desired-state updates reach them through it, the NATS servers (not the agents) still refuse
 * anything outside an agent's own subjects, the leaf's link carries only the site's clusters, and
 * a deregistration reaches the leaf and cuts the agent off there.
 */
import { Kvm } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { systemUserCreds } from '@flotilla/nats-auth';
import { AGENT_STREAM, DESIRED_BUCKET, PROTOCOL_VERSION, subjects } from '@flotilla/protocol';
import {
  createTestDatabase,
  scaled,
  startNatsCluster,
  startNatsLeaf,
  type TestDatabase,
  type TestNatsCluster,
  type TestNatsLeaf,
} from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane, type ControlPlane } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/load-config.js';
import { NatsService } from '../src/modules/nats/nats.service.js';
import { eventually, registerAgent, testAgent, type TestAgent } from './support/agent.js';
import { ADMIN_TOKEN, createRegistrationToken, testHubEnv, type Harness } from './support/harness.js';

const SHA = 'e'.repeat(40);

/** The server's refusals arrive as asynchronous `error` statuses on the connection. */
function serverErrors(nc: NatsConnection): string[] {
  const errors: string[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error') errors.push(String((s as { error?: unknown }).error));
  })();
  return errors;
}

describe('agents at an edge site, through a NATS leaf node', () => {
  let cluster: TestNatsCluster;
  let db: TestDatabase;
  let cp: ControlPlane;
  let leaf: TestNatsLeaf;
  let h: Harness;
  /** At the site: a and b. Elsewhere: c (its subjects are not the leaf's to carry). */
  let a: TestAgent;
  let b: TestAgent;
  let c: TestAgent;
  const opened: NatsConnection[] = [];

  beforeAll(async () => {
    [cluster, db] = await Promise.all([startNatsCluster({ size: 3, leafnodes: true }), createTestDatabase()]);
    const system = await systemUserCreds(cluster.trust);
    cp = await createControlPlane(
      loadConfig(
        testHubEnv(db.url, cluster, {
          NATS_OPERATOR_SEED: cluster.trust.operatorSeed,
          NATS_SYSTEM_USER_JWT: system.jwt,
          NATS_SYSTEM_USER_SEED: system.seed,
          NATS_STREAM_REPLICAS: '3',
          REGISTER_RATE_LIMIT_PER_MINUTE: '1000',
        }),
      ),
    );
    // Registration is HTTP to the hub; the NATS side connects below, to the leaf or the cluster.
    let target: { connect: TestNatsCluster['connect'] } = cluster;
    h = {
      register: (body: unknown) =>
        fetch(`${cp.url}/v1/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      gql: async (query: string, variables = {}) => {
        const res = await fetch(`${cp.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
          body: JSON.stringify({ query, variables }),
        });
        return { status: res.status, ...((await res.json()) as object) };
      },
      nats: { connect: (...args: Parameters<TestNatsCluster['connect']>) => target.connect(...args) },
    } as unknown as Harness;
    const { token } = await createRegistrationToken(h, { maxUses: 3 });
    c = await registerAgent(h, token, 'hq-c');
    // a and b register first (their ids make the leaf's permissions), then connect to the leaf.
    const ids: string[] = [];
    const pending = await Promise.all(
      ['edge-a', 'edge-b'].map(async (name) => {
        const agent = await registerAgent(h, token, name);
        ids.push(agent.clusterId);
        await agent.close();
        return agent;
      }),
    );
    leaf = await startNatsLeaf({ cluster, clusterIds: ids, site: 'edge-eu' });
    await eventually(async () => (await leaf.linksUp()) === 2, 15_000, 'both leaf remotes connected');
    target = leaf;
    [a, b] = await Promise.all(
      pending.map(async (p) => testAgent(p.clusterId, p.creds, await leaf.connect(p.creds, { reconnect: false }))),
    );
  });
  afterAll(async () => {
    for (const nc of opened) await nc.close().catch(() => undefined);
    for (const x of [a, b, c]) await x?.close().catch(() => undefined);
    await cp?.close();
    await leaf?.[Symbol.asyncDispose]();
    await cluster?.[Symbol.asyncDispose]();
    await db?.drop();
  });

  const kv = async () => new Kvm(cp.app.get(NatsService).nc).open(DESIRED_BUCKET);
  const desired = (clusterId: string) => ({
    protocol: PROTOCOL_VERSION,
    clusterId,
    repoUrl: 'http://git.example/fleet.git',
    branch: 'main',
    path: `clusters/${clusterId}`,
    revision: SHA,
    prune: true,
    selfHeal: true,
    updatedAt: new Date().toISOString(),
  });

  it("carries the agents' relay requests to the hub and the hub's answers back (heartbeat stored, desired state read)", async () => {
    await expect(a.heartbeat()).resolves.toBeUndefined();
    await expect(b.heartbeat()).resolves.toBeUndefined();
    await (await kv()).put(a.clusterId, JSON.stringify(desired(a.clusterId)));
    expect(await a.desired()).toMatchObject({ clusterId: a.clusterId, revision: SHA });
    await eventually(
      async () =>
        (await h.gql('query($id: ID!) { cluster(id: $id) { connection } }', { id: a.clusterId })).data?.cluster
          ?.connection === 'ONLINE',
      10_000,
      'agent a online at the hub',
    );
  });

  it('pushes desired-state updates from the hub cluster to an agent subscribed at the leaf', async () => {
    const sub = a.nc.subscribe(subjects.desired(a.clusterId), { max: 1 });
    await a.nc.flush();
    // The subscription has crossed the link when the hub's own put reaches it.
    const got = (async () => {
      for await (const m of sub) return m.json<{ revision: string }>();
      return undefined;
    })();
    const next = { ...desired(a.clusterId), revision: 'd'.repeat(40) };
    await eventually(
      async () => {
        await (await kv()).put(a.clusterId, JSON.stringify(next));
        return Promise.race([got, new Promise((r) => setTimeout(() => r(undefined), scaled(500)))]);
      },
      10_000,
      'the KV update at the leaf',
    );
    expect((await got)?.revision).toBe('d'.repeat(40));
  });

  it('refuses, at the leaf, an agent publishing or subscribing outside its own subjects (permissions violation)', async () => {
    for (const subject of [
      subjects.relay(b.clusterId, 'heartbeat'),
      subjects.agent(a.clusterId, 'sync'),
      `$JS.API.STREAM.INFO.${AGENT_STREAM}`,
      `$KV.${DESIRED_BUCKET}.${a.clusterId}`,
    ]) {
      const errors = serverErrors(a.nc);
      a.nc.publish(subject, '{}');
      await a.nc.flush();
      await eventually(async () => errors.length > 0, 5000, `a refusal of a publish to ${subject}`);
      expect(errors.join('\n')).toMatch(/permissions violation for publish/i);
    }
    for (const subject of [
      subjects.desired(b.clusterId),
      `${subjects.agentInboxPrefix(b.clusterId)}.>`,
      '_INBOX_HUB.>',
    ]) {
      const errors = serverErrors(a.nc);
      a.nc.subscribe(subject);
      await a.nc.flush();
      await eventually(async () => errors.length > 0, 5000, `a refusal of a subscription to ${subject}`);
      expect(errors.join('\n')).toMatch(/permissions violation for subscription/i);
    }
    // Still connected and working after the refusals.
    await expect(a.heartbeat()).resolves.toBeUndefined();
  });

  it("carries only the site's clusters over the link: another cluster's agent at the leaf, or a broad local user, gets nothing of the hub", async () => {
    // c's own JWT is valid at the leaf (same operator), but its relay subject does not cross the link.
    const cAtLeaf = testAgent(c.clusterId, c.creds, await leaf.connect(c.creds, { reconnect: false }));
    opened.push(cAtLeaf.nc);
    await expect(cAtLeaf.send('heartbeat', cAtLeaf.heartbeatBody())).rejects.toThrow(/timeout/i);
    await expect(c.heartbeat()).resolves.toBeUndefined(); // on the hub cluster it works

    // A user of the account with every permission, local to the leaf (a compromised edge server's view).
    const broad = await leaf.connect(
      await cluster.userFor({ pub: { allow: ['>'] }, sub: { allow: ['>'] } }, { inboxPrefix: '_INBOX_EDGE' }),
      { reconnect: false },
    );
    opened.push(broad);
    // It asks for everything a compromised edge server would want: the hub's inbox, JetStream,
    // the stream's subjects, another cluster's desired state and inbox, and its own clusters' keys.
    const seen: string[] = [];
    for (const subject of [
      '_INBOX_HUB.>',
      '$JS.>',
      'flotilla.v1.agent.>',
      subjects.desired(c.clusterId),
      `${subjects.agentInboxPrefix(c.clusterId)}.>`,
      subjects.desired(b.clusterId),
    ])
      broad.subscribe(subject, { callback: (_e, m) => void seen.push(m.subject) });
    await broad.flush();
    const stored = async () =>
      (await (await jetstreamManager(cp.app.get(NatsService).nc)).streams.info(AGENT_STREAM)).state.messages;
    const before = await stored();
    // The hub's traffic for a cluster elsewhere, and its own JetStream traffic, stay at the hub.
    await (await kv()).put(c.clusterId, JSON.stringify(desired(c.clusterId)));
    await expect(c.heartbeat()).resolves.toBeUndefined();
    await (await kv()).put(b.clusterId, JSON.stringify(desired(b.clusterId)));
    await eventually(async () => seen.includes(subjects.desired(b.clusterId)), 10_000, "b's update at the leaf");
    expect(seen.filter((s) => s.includes(c.clusterId) || s.includes(c.clusterId.replace(/-/g, '')))).toEqual([]);
    expect(
      seen.filter((s) => s.startsWith('_INBOX_HUB') || s.startsWith('$JS') || s.startsWith('flotilla.v1.agent')),
    ).toEqual([]);
    // Writing straight into the stream, or asking JetStream anything, does not cross the link either:
    // the leaf has no JetStream of its own and is not part of the hub's JetStream domain.
    broad.publish(subjects.agent(a.clusterId, 'sync'), '{}');
    await expect(broad.request(`$JS.API.STREAM.INFO.${AGENT_STREAM}`, '', { timeout: scaled(1500) })).rejects.toThrow(
      /no responders|timeout/i,
    );
    await broad.flush();
    expect(await stored()).toBe(before + 1); // only c's heartbeat, through the relay at the hub
  });

  it("a deregistration reaches the leaf: the agent's connection there is cut and it cannot come back", async () => {
    const errors = serverErrors(b.nc);
    const r = await h.gql('mutation($id: ID!) { deregisterCluster(id: $id) { id } }', { id: b.clusterId });
    expect(r).toMatchObject({ data: { deregisterCluster: { id: b.clusterId } } });
    await eventually(async () => b.nc.isClosed() || errors.some((e) => /revoked/i.test(e)), 10_000, 'b cut off');
    await expect(leaf.connect(b.creds, { reconnect: false, timeout: scaled(2000) })).rejects.toThrow(
      /authorization violation/i,
    );
    await expect(a.heartbeat()).resolves.toBeUndefined();
  });
});

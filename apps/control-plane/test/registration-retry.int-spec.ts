/**
 * Issue 13 items 4 and 5 through the real HTTP server, PostgreSQL and nats-server: a NATS public
 * key belongs to one cluster (409 KEY_TAKEN on reuse, enforced by a unique index, so suspending
 * anyone never cuts off the key's owner), and a registration retried with the same token and key
 * gets the same cluster and a fresh credential, even after the single-use token was consumed.
 */
import { decodeUserJwt } from '@flotilla/nats-auth';
import { RegisterResponse } from '@flotilla/protocol';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAgent, type TestAgent } from './support/agent.js';
import { createRegistrationToken, FACTS, registration, startHarness, type Harness } from './support/harness.js';

const KEY_TAKEN = {
  error: {
    code: 'KEY_TAKEN',
    message: 'this NATS public key is registered by another cluster; every cluster needs its own key pair',
    field: 'natsPublicKey',
  },
};

describe('registration: one key per cluster, safe to retry', () => {
  let h: Harness;
  const agents: TestAgent[] = [];
  beforeAll(async () => {
    h = await startHarness({ REGISTER_RATE_LIMIT_PER_MINUTE: '200' });
  });
  afterAll(async () => {
    for (const a of agents) await a.close().catch(() => undefined);
    await h?.close();
  });

  const db = () => h.cp.app.get(DataSource);
  const count = async (sql: string, params: unknown[] = []) =>
    Number(((await db().query(sql, params)) as { n: number }[])[0]!.n);
  const usedCount = (tokenId: string) =>
    count(`SELECT used_count AS n FROM registration_tokens WHERE id = $1`, [tokenId]);

  it("another cluster registering a live agent's key: 409 KEY_TAKEN, token unused, no cluster; suspending others keeps the owner connected", async () => {
    const owner = await registerAgent(h, (await createRegistrationToken(h)).token, 'key-owner');
    const bystander = await registerAgent(h, (await createRegistrationToken(h)).token, 'key-bystander');
    agents.push(owner, bystander);
    const squat = await createRegistrationToken(h, { maxUses: 5 });
    const res = await h.register({
      protocol: 1,
      token: squat.token,
      name: 'squatter',
      natsPublicKey: owner.creds.publicKey,
      facts: FACTS,
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual(KEY_TAKEN);
    expect(await usedCount(squat.registrationToken.id)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM clusters WHERE name = 'squatter'`)).toBe(0);

    // Revocations name each cluster's own key: suspending the bystander leaves the owner connected.
    const closed = bystander.nc.closed();
    const s = await h.gql(`mutation($id: ID!) { suspendCluster(id: $id) { id admission } }`, {
      id: bystander.clusterId,
    });
    expect(s.data.suspendCluster.admission).toBe('SUSPENDED');
    await closed;
    expect(owner.nc.isClosed()).toBe(false);
    await expect(owner.heartbeat()).resolves.toBeUndefined();
  });

  it('the database refuses a second cluster with the same key, whatever the code does', async () => {
    const [row] = (await db().query(`SELECT nats_public_key AS key FROM clusters LIMIT 1`)) as { key: string }[];
    await expect(
      db().query(
        `INSERT INTO clusters (id, name, tags, nats_public_key, kube_version, agent_version, provider, region, node_count)
         VALUES (gen_random_uuid(), 'direct-dup', '{}', $1, 'v1', '0.1', 'p', 'r', 1)`,
        [row!.key],
      ),
    ).rejects.toThrow(/clusters_nats_public_key_key/);
  });

  it('a retry with the same token and key after the single use: 201, the same cluster, a fresh JWT, one use spent', async () => {
    const { token, registrationToken } = await createRegistrationToken(h, { maxUses: 1, tags: ['retry'] });
    const { body, key } = registration(token, 'retried');
    const first = RegisterResponse.parse(await (await h.register(body)).json());
    await new Promise((r) => setTimeout(r, 1100)); // JWT times are in seconds: let the second one differ
    const res = await h.register(body);
    expect(res.status).toBe(201);
    const again = RegisterResponse.parse(await res.json());
    expect(again.clusterId).toBe(first.clusterId);
    expect(again.nats.jwt).not.toBe(first.nats.jwt);
    expect(decodeUserJwt(again.nats.jwt).publicKey).toBe(key.publicKey);
    expect(decodeUserJwt(again.nats.jwt).issuedAt.getTime()).toBeGreaterThan(
      decodeUserJwt(first.nats.jwt).issuedAt.getTime(),
    );
    expect(await usedCount(registrationToken.id)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM clusters WHERE name = 'retried'`)).toBe(1);
    const actions = (await db().query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY id`, [
      first.clusterId,
    ])) as { action: string }[];
    expect(actions.map((a) => a.action)).toEqual(['cluster.register', 'cluster.register.retry']);
    // The fresh credential works on NATS.
    const nc = await h.nats.connect({
      jwt: again.nats.jwt,
      seed: key.seed,
      publicKey: key.publicKey,
      inboxPrefix: again.nats.inboxPrefix,
    });
    await nc.close();
  });

  it('ten copies of one request at once: all 201 with the same cluster, one use spent', async () => {
    const { token, registrationToken } = await createRegistrationToken(h, { maxUses: 1 });
    const { body } = registration(token, 'stampede');
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.register(body)));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(201));
    const ids = await Promise.all(answers.map(async (r) => RegisterResponse.parse(await r.json()).clusterId));
    expect(new Set(ids).size).toBe(1);
    expect(await usedCount(registrationToken.id)).toBe(1);
  });

  it('the same key with another name, or after the token is revoked or the cluster deregistered, is refused', async () => {
    const { token, registrationToken } = await createRegistrationToken(h, { maxUses: 2 });
    const { body } = registration(token, 'once');
    const first = RegisterResponse.parse(await (await h.register(body)).json());

    const renamed = await h.register({ ...body, name: 'twice' });
    expect(renamed.status).toBe(409);
    expect(await renamed.json()).toEqual(KEY_TAKEN);
    expect(await usedCount(registrationToken.id)).toBe(1);

    await h.gql(`mutation($id: ID!) { revokeRegistrationToken(id: $id) { id } }`, { id: registrationToken.id });
    expect((await h.register(body)).status).toBe(401);

    const other = await createRegistrationToken(h, { maxUses: 1 });
    const { body: b2 } = registration(other.token, 'gone');
    const gone = RegisterResponse.parse(await (await h.register(b2)).json());
    await h.gql(`mutation($id: ID!) { deregisterCluster(id: $id) { id } }`, { id: gone.clusterId });
    const afterDeregister = await h.register(b2);
    expect(afterDeregister.status).toBe(409);
    expect(await count(`SELECT count(*) AS n FROM clusters WHERE name IN ('once', 'twice', 'gone')`)).toBe(2);
    expect(first.clusterId).toBeTruthy();
  });
});

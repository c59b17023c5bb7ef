import { createUser, decodeUserJwt, signRenewal } from '@flotilla/nats-auth';
import { agentPermissions, RenewResponse } from '@flotilla/protocol';
import { startGitServer, type GitServer } from '@flotilla/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, readAsAgent, registerAgent, type TestAgent } from './support/agent.js';
import {
  CREATE_REGISTRATION_TOKEN,
  createRegistrationToken,
  registration,
  startHarness,
  type Harness,
} from './support/harness.js';

/** Waits until the wall clock is in a later whole second than `t` (JWT times have second precision). */
const nextSecond = (t: Date) =>
  eventually(async () => Math.floor(Date.now() / 1000) > Math.floor(t.getTime() / 1000), 5_000, 'the next second');

const REFUSED = {
  error: {
    code: 'RENEWAL_REFUSED',
    message:
      'credential renewal refused: the cluster is unknown, deregistered or suspended, or the request is not signed by its key',
  },
};
const CLUSTER = 'query($id: ID!) { cluster(id: $id) { id admission approvedAt credentialExpiresAt } }';
const mutate = (name: string) => `mutation($id: ID!) { ${name}(id: $id) { id admission } }`;

/**
 * An agent's identity over its life: short-lived NATS JWTs renewed with proof of possession,
 * suspension and deregistration cutting it off, registration tokens that are single-use,
 * expire, may be bound to a name and may require an admin's approval.
 */
describe('agent identity', () => {
  let git: GitServer;
  let h: Harness;
  let head: string;
  const agents: TestAgent[] = [];
  beforeAll(async () => {
    git = await startGitServer();
    head = await git.commit({ files: { 'clusters/id-a/app.yaml': 'kind: ConfigMap\n' }, message: 'first' });
    h = await startHarness({
      FLEET_REPO_URL: git.url,
      FLEET_POLL_INTERVAL_SECONDS: '1',
      AGENT_JWT_TTL_SECONDS: '600',
      REGISTER_RATE_LIMIT_PER_MINUTE: '1000',
    });
    await eventually(
      async () => (await h.gql('{ fleetRepo { headRevision } }')).data.fleetRepo.headRevision,
      5000,
      'first poll',
    );
  });
  afterAll(async () => {
    for (const a of agents) await a.close().catch(() => undefined);
    await h?.close();
    await git?.close();
  });

  const db = () => h.cp.app.get(DataSource);
  /** Waits until the control plane has finished another poll of the fleet repo. */
  const fleetPolled = async () => {
    const polledAt = async () => (await h.gql('{ fleetRepo { lastPolledAt } }')).data.fleetRepo.lastPolledAt;
    const before = await polledAt();
    await eventually(async () => (await polledAt()) !== before, 10_000, 'a poll of the fleet repo');
  };
  const join = async (name: string, input: Parameters<typeof createRegistrationToken>[1] = {}) => {
    const a = await registerAgent(h, (await createRegistrationToken(h, input)).token, name, {
      maxReconnectAttempts: 0,
    });
    agents.push(a);
    return a;
  };
  const renew = (body: unknown) =>
    fetch(`${h.cp.url}/v1/agent/renew`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const refusals = async (clusterId: string) =>
    (await db().query(
      `SELECT actor_id, details FROM audit_events WHERE action = 'cluster.renew.refused' AND target_id = $1 ORDER BY id`,
      [clusterId],
    )) as { actor_id: string; details: { reason: string; keyOwner?: { id: string } } }[];

  describe('registration tokens', () => {
    it('default to one use and a 24 h expiry; the secret is an id plus 32 random bytes', async () => {
      const r = await h.gql(CREATE_REGISTRATION_TOKEN, { input: { name: 'defaults' } });
      const { token, registrationToken } = r.data.createRegistrationToken;
      expect(registrationToken).toMatchObject({ maxUses: 1, usedCount: 0, requireApproval: false, clusterName: null });
      expect(Math.abs(Date.parse(registrationToken.expiresAt) - (Date.now() + 86_400_000))).toBeLessThan(60_000);
      const m = /^flt_reg_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/.exec(token);
      expect(m?.[1]).toBe(registrationToken.id.replace(/-/g, ''));
      expect(Buffer.from(m![2]!, 'base64url')).toHaveLength(32);
      expect((await h.register(registration(token, 'id-defaults').body)).status).toBe(201);
      expect((await h.register(registration(token, 'id-defaults-2').body)).status).toBe(401);
    });

    it('bound to a cluster name: another name is refused (403) without spending the use; the bound name registers', async () => {
      const { token, registrationToken } = await createRegistrationToken(h, { clusterName: 'id-bound' });
      const wrong = await h.register(registration(token, 'id-imposter').body);
      expect(wrong.status).toBe(403);
      expect(await wrong.json()).toMatchObject({ error: { code: 'NAME_NOT_ALLOWED', field: 'name' } });
      const [row] = (await db().query('SELECT used_count FROM registration_tokens WHERE id = $1', [
        registrationToken.id,
      ])) as { used_count: number }[];
      expect(row!.used_count).toBe(0);
      expect((await h.register(registration(token, 'id-bound').body)).status).toBe(201);
      expect(
        (await h.gql('{ clusters(filter: { search: "id-imposter" }) { totalCount } }')).data.clusters.totalCount,
      ).toBe(0);
    });

    it('rejects a bound name that is not a cluster name', async () => {
      const r = await h.gql(CREATE_REGISTRATION_TOKEN, { input: { name: 'bad', clusterName: 'Not A Name' } });
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.clusterName' });
    });
  });

  describe('approval', () => {
    it('a cluster registered with requireApproval waits, gets no desired state, and gets it once an admin approves', async () => {
      const a = await join('id-pending', { requireApproval: true });
      expect((await h.gql(CLUSTER, { id: a.clusterId })).data.cluster).toMatchObject({
        admission: 'AWAITING_APPROVAL',
        approvedAt: null,
      });
      // Its agent is connected (heartbeats work, the operator sees it) but nothing to apply.
      await expect(a.heartbeat()).resolves.toBeUndefined();
      await fleetPolled(); // a poll went by
      expect(await readAsAgent(h, a.clusterId)).toBe('none');
      expect(
        (await h.gql('{ clusters(filter: { admission: AWAITING_APPROVAL }) { edges { node { id } } } }')).data.clusters
          .edges,
      ).toEqual([{ node: { id: a.clusterId } }]);

      const operator = await h.gql(
        'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }',
        { input: { name: 'op', role: 'OPERATOR' } },
      );
      const denied = await h.gql(mutate('approveCluster'), { id: a.clusterId }, operator.data.createApiToken.token);
      expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      const approved = await h.gql(mutate('approveCluster'), { id: a.clusterId });
      expect(approved.data.approveCluster.admission).toBe('ACTIVE');
      await eventually(
        async () => {
          const d = await readAsAgent(h, a.clusterId);
          return d !== 'none' && d.revision === head;
        },
        5000,
        'desired state after approval',
      );
      const again = await h.gql(mutate('approveCluster'), { id: a.clusterId });
      expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      const [audit] = (await db().query(
        `SELECT details FROM audit_events WHERE action = 'cluster.approve' AND target_id = $1`,
        [a.clusterId],
      )) as { details: object }[];
      expect(audit!.details).toMatchObject({ from: 'AwaitingApproval', to: 'Active' });
    });

    it('REGISTRATION_REQUIRE_APPROVAL makes it the default for new tokens', async () => {
      const strict = await startHarness({ REGISTRATION_REQUIRE_APPROVAL: 'true' });
      try {
        const { registrationToken } = await createRegistrationToken(strict, {});
        expect(registrationToken).toMatchObject({ requireApproval: true });
        const optedOut = await createRegistrationToken(strict, { requireApproval: false });
        expect(optedOut.registrationToken).toMatchObject({ requireApproval: false });
      } finally {
        await strict.close();
      }
    });
  });

  describe('credential renewal', () => {
    it('hands out short-lived JWTs and renews them for the holder of the key, with the same permissions', async () => {
      const a = await join('id-a');
      const first = decodeUserJwt(a.creds.jwt);
      expect(first.expiresAt!.getTime() - first.issuedAt.getTime()).toBe(600_000);
      await nextSecond(first.issuedAt); // a later issued-at second
      const res = await renew(signRenewal(a.creds.seed, a.clusterId));
      expect(res.status).toBe(200);
      const body = RenewResponse.parse(await res.json());
      const renewed = decodeUserJwt(body.jwt);
      expect(renewed.publicKey).toBe(a.creds.publicKey);
      expect(renewed.permissions).toEqual(agentPermissions(a.clusterId));
      expect(renewed.expiresAt!.getTime()).toBeGreaterThan(first.expiresAt!.getTime());
      expect(Date.parse((await h.gql(CLUSTER, { id: a.clusterId })).data.cluster.credentialExpiresAt)).toBe(
        Date.parse(body.expiresAt),
      );
      // The renewed JWT works on NATS.
      const nc = await h.nats.connect({ ...a.creds, jwt: body.jwt }, { reconnect: false });
      await nc.close();
    });

    it("refuses and audits a renewal presenting another cluster's key, and one for another cluster", async () => {
      const a = await join('id-victim');
      const b = await join('id-attacker');
      // B asks for A's credential, signing with its own key.
      const forOther = await renew(signRenewal(b.creds.seed, a.clusterId));
      expect(forOther.status).toBe(401);
      expect(await forOther.json()).toEqual(REFUSED);
      // Someone with a fresh key asks for A's credential.
      const freshKey = await renew(signRenewal(createUser().seed, a.clusterId));
      expect(freshKey.status).toBe(401);
      // A's key, but the signature is B's over A's fields (key substitution).
      const forged = { ...signRenewal(b.creds.seed, a.clusterId), natsPublicKey: a.creds.publicKey };
      expect((await renew(forged)).status).toBe(401);
      const audit = await refusals(a.clusterId);
      expect(audit.map((e) => e.details.reason)).toEqual([
        'key of another cluster',
        'key not registered',
        'bad signature',
      ]);
      expect(audit[0]!.details.keyOwner?.id).toBe(b.clusterId);
      expect(audit[0]!.actor_id).toBe(`agent-key:${b.creds.publicKey}`);
    });

    it('refuses a replayed request, a stale one, and an unknown cluster', async () => {
      const a = await join('id-replay');
      const req = signRenewal(a.creds.seed, a.clusterId);
      expect((await renew(req)).status).toBe(200);
      expect((await renew(req)).status).toBe(401);
      expect((await renew(signRenewal(a.creds.seed, a.clusterId, new Date(Date.now() - 10 * 60_000)))).status).toBe(
        401,
      );
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect((await renew(signRenewal(a.creds.seed, unknown))).status).toBe(401);
      expect((await refusals(a.clusterId)).map((e) => e.details.reason)).toEqual(['replayed']);
      expect((await refusals(unknown)).map((e) => e.details.reason)).toEqual(['unknown cluster']);
      const bad = await renew({ clusterId: a.clusterId });
      expect(bad.status).toBe(400);
    });
  });

  it('counts refused renewals as authentication failures: past the limit the address gets 429 before any check', async () => {
    const strict = await startHarness({ AUTH_FAILURE_LIMIT_PER_MINUTE: '3' });
    try {
      const { token } = await createRegistrationToken(strict);
      const reg = registration(token, 'id-limited');
      expect((await strict.register(reg.body)).status).toBe(201);
      const post = (body: unknown) =>
        fetch(`${strict.cp.url}/v1/agent/renew`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const other = '00000000-0000-4000-8000-000000000001';
      for (let i = 0; i < 3; i++) expect((await post(signRenewal(reg.key.seed, other))).status).toBe(401);
      // Its own valid renewal is refused too now, without being looked at.
      const [cluster] = (await strict.cp.app
        .get(DataSource)
        .query(`SELECT id FROM clusters WHERE name = 'id-limited'`)) as { id: string }[];
      const limited = await post(signRenewal(reg.key.seed, cluster!.id));
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    } finally {
      await strict.close();
    }
  });

  describe('cut-off', () => {
    const cutOffMs = async (a: TestAgent, act: () => Promise<unknown>) => {
      const closed = a.nc.closed();
      const t0 = Date.now();
      await act();
      await closed;
      return Date.now() - t0;
    };

    it('suspendCluster drops the NATS connection within 60 s, refuses reconnects and renewals; resumeCluster lets it renew back in', async () => {
      const a = await join('id-suspend');
      const bystander = await join('id-bystander');
      const ms = await cutOffMs(a, async () =>
        expect((await h.gql(mutate('suspendCluster'), { id: a.clusterId })).data.suspendCluster.admission).toBe(
          'SUSPENDED',
        ),
      );
      expect(ms).toBeLessThan(60_000);
      await expect(h.nats.connect(a.creds, { reconnect: false, timeout: 2000 })).rejects.toThrow(
        /authorization violation/i,
      );
      const refused = await renew(signRenewal(a.creds.seed, a.clusterId));
      expect(refused.status).toBe(401);
      expect(await readAsAgent(h, a.clusterId)).toBe('none');
      await expect(bystander.heartbeat()).resolves.toBeUndefined();

      expect((await h.gql(mutate('resumeCluster'), { id: a.clusterId })).data.resumeCluster.admission).toBe('ACTIVE');
      // The JWT from before the suspension stays revoked; a renewed one connects.
      await expect(h.nats.connect(a.creds, { reconnect: false, timeout: 2000 })).rejects.toThrow(
        /authorization violation/i,
      );
      await nextSecond(new Date()); // a renewed JWT must be issued in a later second than the revocation
      const res = await renew(signRenewal(a.creds.seed, a.clusterId));
      expect(res.status).toBe(200);
      const nc = await h.nats.connect(
        { ...a.creds, jwt: RenewResponse.parse(await res.json()).jwt },
        { reconnect: false, timeout: 2000 },
      );
      await nc.close();
      expect(await readAsAgent(h, a.clusterId)).not.toBe('none');
      const actions = (await db().query(
        `SELECT action FROM audit_events WHERE target_id = $1 AND action LIKE 'cluster.%' ORDER BY id`,
        [a.clusterId],
      )) as { action: string }[];
      expect(actions.map((r) => r.action)).toEqual(['cluster.register', 'cluster.suspend', 'cluster.resume']);
    });

    it('deregisterCluster drops the connection within 60 s and its renewals get 401; rejoining needs a new token', async () => {
      const { token } = await createRegistrationToken(h);
      const a = await registerAgent(h, token, 'id-gone', { maxReconnectAttempts: 0 });
      agents.push(a);
      const ms = await cutOffMs(a, () =>
        h.gql('mutation($id: ID!) { deregisterCluster(id: $id) { id } }', { id: a.clusterId }),
      );
      expect(ms).toBeLessThan(60_000);
      await expect(h.nats.connect(a.creds, { reconnect: false, timeout: 2000 })).rejects.toThrow(
        /authorization violation/i,
      );
      expect((await renew(signRenewal(a.creds.seed, a.clusterId))).status).toBe(401);
      expect((await h.register(registration(token, 'id-gone').body)).status).toBe(401);
      expect((await h.register(registration((await createRegistrationToken(h)).token, 'id-gone').body)).status).toBe(
        201,
      );
    });
  });
});

import { decodeUserJwt } from '@flotilla/nats-auth';
import { agentPermissions, RegisterResponse } from '@flotilla/protocol';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrationToken, registration, startHarness, type Harness } from './support/harness.js';

const INVALID = {
  error: {
    code: 'INVALID_TOKEN',
    message: 'registration token is invalid, expired, revoked or used up',
    field: 'token',
  },
};

describe('POST /v1/register', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ REGISTER_RATE_LIMIT_PER_MINUTE: '80' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const query = async (sql: string, params: unknown[] = []) => {
    const rows = (await h.cp.app.get(DataSource).query(sql, params)) as { n: number }[];
    return Number(rows[0]!.n);
  };

  it('registers a cluster with the token tags and returns a NATS JWT limited to its own subjects', async () => {
    const { token } = await createRegistrationToken(h, { tags: ['prod', 'eu'], maxUses: 2 });
    const { body, key } = registration(token, 'alpha');
    const res = await h.register(body);
    expect(res.status).toBe(201);
    const reply = RegisterResponse.parse(await res.json());
    expect(reply).toMatchObject({
      nats: { url: h.nats.url, inboxPrefix: `_INBOX_${reply.clusterId.replace(/-/g, '')}` },
      heartbeatIntervalSeconds: 10,
    });
    const claims = decodeUserJwt(reply.nats.jwt);
    expect(claims.publicKey).toBe(key.publicKey);
    expect(claims.permissions).toEqual(agentPermissions(reply.clusterId));
    const nc = await h.nats.connect({
      jwt: reply.nats.jwt,
      seed: key.seed,
      publicKey: key.publicKey,
      inboxPrefix: reply.nats.inboxPrefix,
    });
    await nc.close();

    const cluster = await h.gql(
      'query($n: String) { cluster(name: $n) { id tags connection facts { kubeVersion nodeCount region } } }',
      { n: 'alpha' },
    );
    expect(cluster.data.cluster).toEqual({
      id: reply.clusterId,
      tags: ['prod', 'eu'],
      connection: 'PENDING',
      facts: { kubeVersion: 'v1.31.2', nodeCount: 3, region: 'eu-west-1' },
    });
  });

  it('lets exactly one of 20 concurrent registrations use a single-use token', async () => {
    const { token, registrationToken } = await createRegistrationToken(h, { maxUses: 1 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h.register(registration(token, `race-${i}`).body)),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(19);
    expect(await query(`SELECT count(*)::int AS n FROM clusters WHERE name LIKE 'race-%'`)).toBe(1);
    expect(await query(`SELECT used_count AS n FROM registration_tokens WHERE id = $1`, [registrationToken.id])).toBe(
      1,
    );
  });

  it('answers 401 with one message for garbage, wrong-secret, expired, revoked and used-up tokens', async () => {
    const good = await createRegistrationToken(h, { maxUses: 5 });
    const wrongSecret = good.token.slice(0, -4) + (good.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const expired = await createRegistrationToken(h, { maxUses: 5 });
    await query(
      `UPDATE registration_tokens SET expires_at = now() - interval '1 second' WHERE id = $1 RETURNING 0 AS n`,
      [expired.registrationToken.id],
    );
    const revoked = await createRegistrationToken(h, { maxUses: 5 });
    await h.gql('mutation($id: ID!) { revokeRegistrationToken(id: $id) { id } }', { id: revoked.registrationToken.id });
    const usedUp = await createRegistrationToken(h, { maxUses: 1 });
    expect((await h.register(registration(usedUp.token, 'uses-it-up').body)).status).toBe(201);

    const tokens = {
      garbage: 'not-a-token',
      wrongSecret,
      expired: expired.token,
      revoked: revoked.token,
      usedUp: usedUp.token,
    };
    for (const [kind, token] of Object.entries(tokens)) {
      const res = await h.register(registration(token, `bad-${kind.toLowerCase()}`).body);
      expect({ kind, status: res.status, body: await res.json() }).toEqual({ kind, status: 401, body: INVALID });
    }
    expect(await query(`SELECT count(*)::int AS n FROM clusters WHERE name LIKE 'bad-%'`)).toBe(0);
    expect(
      await query(`SELECT used_count AS n FROM registration_tokens WHERE id = $1`, [good.registrationToken.id]),
    ).toBe(0);
  });

  it('answers 409 for a name already registered, without using up the token', async () => {
    const first = await createRegistrationToken(h, { maxUses: 1 });
    expect((await h.register(registration(first.token, 'taken').body)).status).toBe(201);
    const second = await createRegistrationToken(h, { maxUses: 1 });
    const res = await h.register(registration(second.token, 'taken').body);
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: { code: 'NAME_TAKEN', message: 'a cluster named taken is already registered', field: 'name' },
    });
    expect(
      await query(`SELECT used_count AS n FROM registration_tokens WHERE id = $1`, [second.registrationToken.id]),
    ).toBe(0);
  });

  it('answers 400 naming the bad field, and changes nothing', async () => {
    const { token, registrationToken } = await createRegistrationToken(h, { maxUses: 1 });
    const { body } = registration(token, 'malformed');
    const cases: [unknown, string][] = [
      [{ ...body, facts: { ...body.facts, nodeCount: -2 } }, 'facts.nodeCount'],
      [{ ...body, name: 'Not A DNS Label' }, 'name'],
      [{ ...body, natsPublicKey: 'SUA-a-seed-not-a-key' }, 'natsPublicKey'],
      [{ ...body, extra: true }, '(root)'],
      ['{"token": ', '(root)'],
    ];
    for (const [bad, field] of cases) {
      const res = await h.register(bad);
      const json = (await res.json()) as { error: { field: string; message: string } };
      expect({ status: res.status, field: json.error.field }).toEqual({ status: 400, field });
      if (field !== '(root)') expect(json.error.message).toContain(field);
    }
    expect(await query(`SELECT used_count AS n FROM registration_tokens WHERE id = $1`, [registrationToken.id])).toBe(
      0,
    );
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const { token } = await createRegistrationToken(h, { maxUses: 1 });
    const { body } = registration(token, 'huge');
    const res = await h.register({ ...body, facts: { ...body.facts, provider: 'x'.repeat(1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BODY_TOO_LARGE');
  });

  it('rate limits registration attempts per source address', async () => {
    let res: Response | undefined;
    for (let i = 0; i < 100; i++) {
      res = await h.register(registration('not-a-token', `flood-${i}`).body);
      if (res.status === 429) break;
    }
    expect(res?.status).toBe(429);
    expect(Number(res?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await res!.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
  });
});

/**
 * Issue 13's small holes, through the real HTTP server, PostgreSQL and nats-server: a
 * well-formed nkey with a bad checksum, an out-of-range `first` on Cluster field resolvers and
 * GraphQL variables nested 400,000 deep are each refused with a named client error, and
 * nothing changes.
 */
import { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createRegistrationToken, registration, startHarness, type Harness } from './support/harness.js';

/** Changes the last character of a public key, so its CRC-16 no longer matches. */
const breakChecksum = (key: string) => key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');

describe('input refusals', () => {
  let h: Harness;
  let clusterId: string;
  beforeAll(async () => {
    h = await startHarness();
    const { token } = await createRegistrationToken(h, { maxUses: 1 });
    const res = await h.register(registration(token, 'probe').body);
    clusterId = ((await res.json()) as { clusterId: string }).clusterId;
  });
  afterAll(async () => {
    await h?.close();
  });

  const count = async (sql: string, params: unknown[] = []) => {
    const rows = (await h.cp.app.get(DataSource).query(sql, params)) as { n: number }[];
    return Number(rows[0]!.n);
  };

  it('an nkey with a bad checksum: 400 naming natsPublicKey, token unused, no cluster', async () => {
    const { token, registrationToken } = await createRegistrationToken(h, { maxUses: 1 });
    const { body } = registration(token, 'bad-checksum');
    const res = await h.register({ ...body, natsPublicKey: breakChecksum(body.natsPublicKey) });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; field: string; message: string } };
    expect(json.error).toMatchObject({ code: 'INVALID_BODY', field: 'natsPublicKey' });
    expect(json.error.message).toContain('checksum');
    expect(await count(`SELECT used_count AS n FROM registration_tokens WHERE id = $1`, [registrationToken.id])).toBe(
      0,
    );
    expect(await count(`SELECT count(*) AS n FROM clusters WHERE name = 'bad-checksum'`)).toBe(0);
  });

  for (const field of ['objects', 'syncHistory'] as const) {
    for (const first of [0, 501, -1]) {
      it(`Cluster.${field}(first: ${first}): BAD_USER_INPUT naming first, not INTERNAL`, async () => {
        const r = await h.gql(
          `query($id: ID!, $first: Int!) { cluster(id: $id) { ${field}(first: $first) { edges { cursor } } } }`,
          {
            id: clusterId,
            first,
          },
        );
        expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
        expect(r.errors?.[0]?.message).toContain('first');
      });
    }
  }

  it('variables nested 400,000 deep: 400 BODY_TOO_DEEP before parsing, the mutation never runs', async () => {
    const auditBefore = await count(`SELECT count(*) AS n FROM audit_events`);
    const deep = `${'['.repeat(400_000)}${']'.repeat(400_000)}`;
    const body = `{"query":"mutation($t: [String!]!) { updateClusterTags(input: {id: \\"${clusterId}\\", tags: $t}) { id } }","variables":{"t":${deep}}}`;
    const res = await fetch(`${h.cp.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BODY_TOO_DEEP');
    expect(await count(`SELECT count(*) AS n FROM audit_events`)).toBe(auditBefore);
    // The server still answers, and a normal nested input is unaffected.
    const ok = await h.gql(`query($id: ID!) { cluster(id: $id) { id } }`, { id: clusterId });
    expect(ok.data).toEqual({ cluster: { id: clusterId } });
  });

  it('a graphql-ws message nested 400,000 deep: the socket closes with 4400 before it is parsed, nothing runs', async () => {
    const auditBefore = await count(`SELECT count(*) AS n FROM audit_events`);
    const ws = new WebSocket(`${h.cp.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    const replies: string[] = [];
    ws.on('message', (m: Buffer) => replies.push(m.toString()));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ADMIN_TOKEN}` } }));
    await new Promise<void>((resolve) => {
      const check = () => (replies.some((r) => r.includes('connection_ack')) ? resolve() : setTimeout(check, 20));
      check();
    });
    const deep = `${'['.repeat(400_000)}${']'.repeat(400_000)}`;
    ws.send(
      `{"id":"1","type":"subscribe","payload":{"query":"mutation($t: [String!]!) { updateClusterTags(input: {id: \\"${clusterId}\\", tags: $t}) { id } }","variables":{"t":${deep}}}}`,
    );
    expect(await closed).toEqual({ code: 4400, reason: 'message nested deeper than 64 levels' });
    expect(replies.filter((r) => r.includes('"next"') || r.includes('"error"'))).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM audit_events`)).toBe(auditBefore);
  });
});

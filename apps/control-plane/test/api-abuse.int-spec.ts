/**
 * The API abuse suite: each payload is refused with the right status and code before anything
 * executes — proven by the mutation inside it leaving no API token, no audit event and (for the
 * cost bomb) the cluster it targets still registered — and a 50 MB body is refused on every
 * route, unread, without the process growing by anything like 50 MB.
 */
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendLargeBody } from './support/raw-http.js';
import { ADMIN_TOKEN, createRegistrationToken, registration, startHarness, type Harness } from './support/harness.js';
import { scaled } from '@flotilla/testing';

const MB = 1024 * 1024;
const create = (alias = '') => `${alias}createApiToken(input: { name: "abuse", role: ADMIN }) { token }`;
const CREATE = `mutation { ${create()} }`;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('API abuse suite', () => {
  let h: Harness;
  let clusterId: string;
  beforeAll(async () => {
    h = await startHarness({ FLEET_WEBHOOK_SECRET: 'abuse-webhook-secret-0123' });
    const { token } = await createRegistrationToken(h);
    clusterId = ((await (await h.register(registration(token, 'abuse-target').body)).json()) as { clusterId: string })
      .clusterId;
  });
  afterAll(async () => {
    await h?.close();
  });

  const count = async (sql: string) => Number(((await h.cp.app.get(DataSource).query(sql)) as { n: number }[])[0]!.n);
  /** What any executed payload would have left behind. */
  const traces = async () => ({
    tokens: await count(`SELECT count(*)::int AS n FROM api_tokens WHERE name = 'abuse'`),
    audit: await count('SELECT count(*)::int AS n FROM audit_events'),
    clusters: await count('SELECT count(*)::int AS n FROM clusters'),
  });
  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${h.cp.url}/graphql`, { method: 'POST', headers: { ...auth, ...headers }, body });
  const errorsOf = async (res: Response) =>
    ((await res.json()) as { errors: { message: string; extensions?: { code?: string } }[] }).errors;

  it('the probe mutation works when sent properly (so a refusal below is the guard, not the probe)', async () => {
    const before = await traces();
    const res = await post(JSON.stringify({ query: CREATE }));
    expect(res.status).toBe(200);
    expect(await traces()).toEqual({ ...before, tokens: before.tokens + 1, audit: before.audit + 1 });
    await h.cp.app.get(DataSource).query(`DELETE FROM api_tokens WHERE name = 'abuse'`);
  });

  it('2,000 aliases: 400 GRAPHQL_PARSE_FAILED at the token limit, nothing executed', async () => {
    const before = await traces();
    const query = `mutation { ${Array.from({ length: 2000 }, (_, i) => create(`a${i}: `)).join(' ')} }`;
    const started = performance.now();
    const res = await post(JSON.stringify({ query }));
    const ms = performance.now() - started;
    expect(res.status).toBe(400);
    const [error] = await errorsOf(res);
    expect(error?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(error?.message).toContain('2000 tokens. Parsing aborted.');
    expect(ms).toBeLessThan(scaled(500));
    expect(await traces()).toEqual(before);
  });

  it('depth 50: 400 GRAPHQL_VALIDATION_FAILED naming the depth and the limit, nothing executed', async () => {
    const before = await traces();
    let nested = 'id';
    for (let i = 0; i < 48; i++) nested = `apiToken { ${nested} }`;
    const res = await post(
      JSON.stringify({ query: `mutation { createApiToken(input: { name: "abuse", role: ADMIN }) { ${nested} } }` }),
    );
    expect(res.status).toBe(400);
    const [error] = await errorsOf(res);
    expect(error).toMatchObject({
      message: 'query is nested 50 levels deep; the limit is 10',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(await traces()).toEqual(before);
  });

  it('a cost bomb: 400 naming the cost and the limit, the mutation never ran (cluster still there, no audit)', async () => {
    const before = await traces();
    const query = `mutation($id: ID!, $n: Int!) { deregisterCluster(id: $id) {
      objects(first: $n) { edges { node { kind name namespace } } }
      syncHistory(first: $n) { edges { node { id objects { created configured } } } } } }`;
    const res = await post(JSON.stringify({ query, variables: { id: clusterId, n: 100_000 } }));
    expect(res.status).toBe(400);
    const [error] = await errorsOf(res);
    expect(error?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error?.message).toMatch(/^query cost 900005 is over the limit of 100000 /);
    expect(await traces()).toEqual(before);
    expect((await h.gql('query($id: ID!) { cluster(id: $id) { name } }', { id: clusterId })).data.cluster).toEqual({
      name: 'abuse-target',
    });
  });

  it('a query cost bomb of nested pages is refused the same way', async () => {
    const res = await post(
      JSON.stringify({
        query: '{ clusters(first: 500) { edges { node { objects(first: 500) { edges { node { name } } } } } } }',
      }),
    );
    expect(res.status).toBe(400);
    expect((await errorsOf(res))[0]?.message).toMatch(/^query cost 501502 is over the limit of 100000/);
  });

  it('a 50-operation batch: 400, none of the 50 mutations executed', async () => {
    const before = await traces();
    const res = await post(JSON.stringify(Array.from({ length: 50 }, () => ({ query: CREATE }))));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Operation batching disabled');
    expect(await traces()).toEqual(before);
  });

  it('a text/plain CSRF POST: 400, not executed even with a valid token attached', async () => {
    const before = await traces();
    const res = await post(JSON.stringify({ query: CREATE }), { 'content-type': 'text/plain' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Cross-Site Request Forgery');
    expect(await traces()).toEqual(before);
  });

  it('a GET mutation: refused without the preflight header (400) and with it (405), not executed', async () => {
    const before = await traces();
    const url = `${h.cp.url}/graphql?query=${encodeURIComponent(CREATE)}`;
    const simple = await fetch(url, { headers: auth });
    expect(simple.status).toBe(400);
    expect(await simple.text()).toContain('Cross-Site Request Forgery');
    const preflighted = await fetch(url, { headers: { ...auth, 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(405);
    expect((await errorsOf(preflighted))[0]?.message).toBe(
      'GET requests only support query operations, not mutation operations',
    );
    expect(await traces()).toEqual(before);
  });

  it('a GET query needs the preflight header too (a simple cross-site GET is refused)', async () => {
    const url = `${h.cp.url}/graphql?query=${encodeURIComponent('{ me { role } }')}`;
    expect((await fetch(url, { headers: auth })).status).toBe(400);
    const ok = await fetch(url, { headers: { ...auth, 'apollo-require-preflight': 'true' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { me: { role: 'ADMIN' } } });
  });

  describe('a 50 MB body', () => {
    const routes = ['/graphql', '/v1/register', '/v1/git/webhook', '/healthz', '/no-such-route'];
    const cases = routes.flatMap((path) =>
      ['application/json', 'text/plain', 'application/octet-stream'].flatMap((type) =>
        [true, false].map((declareLength) => ({ path, type, declareLength })),
      ),
    );

    it.each(cases)(
      'to $path as $type (Content-Length declared: $declareLength) gets 413 and is not read',
      async ({ path, type, declareLength }) => {
        const before = await traces();
        let peak = 0;
        const base = process.memoryUsage().rss;
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - base)), 5);
        const prefix = path === '/graphql' ? `{"query":"mutation { ${create().replaceAll('"', '\\"')} }","pad":"` : '';
        const r = await sendLargeBody({
          url: `${h.cp.url}${path}`,
          headers: { 'content-type': type, ...auth },
          total: 50 * MB,
          declareLength,
          prefix,
        }).finally(() => clearInterval(sampler));
        expect(r.status).toBe(413);
        expect(JSON.parse(r.body)).toEqual({
          error: { code: 'BODY_TOO_LARGE', message: 'request body is larger than 1048576 bytes' },
        });
        expect(r.headers.connection).toBe('close');
        expect(r.bytesSent).toBeLessThan(25 * MB);
        expect(peak).toBeLessThan(30 * MB);
        expect(await traces()).toEqual(before);
      },
    );

    it('a body just under the limit is still read and parsed', async () => {
      const pad = 'x'.repeat(MB - 200);
      const res = await post(JSON.stringify({ query: '{ me { role } }', variables: {}, extensions: { pad } }));
      expect(res.status).toBe(200);
    });
  });
});

/**
 * The rest of the API hardening, end to end: the CORS allow-list, introspection off unless
 * configured, helmet headers on GraphQL answers, the same operation limits over graphql-ws,
 * and the per-address limit on failed authentications (HTTP and graphql-ws).
 */
import { createClient, type Client } from 'graphql-ws';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { createControlPlane, type ControlPlane } from '../src/bootstrap.js';
import { postFrom } from './support/raw-http.js';
import { ADMIN_TOKEN, startHarness, type Harness } from './support/harness.js';

const ALLOWED = 'https://ops.example.com';
const BAD_TOKEN = 'flt_api_00000000000040008000000000000000_BADBADBADBADBADBADBADBADBADBADBADBADBADBAD';
const json = { 'content-type': 'application/json' };

describe('API hardening', () => {
  let h: Harness;
  const extra: ControlPlane[] = [];
  const clients: Client[] = [];
  beforeAll(async () => {
    h = await startHarness({ CORS_ORIGINS: `${ALLOWED},http://localhost:5173` });
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    for (const cp of extra) await cp.close();
    await h?.close();
  });

  /** Another control plane on the same database and NATS, with some config changed. */
  const controlPlane = async (patch: Partial<typeof h.config>, logs?: string[]) => {
    const cp = await createControlPlane(
      { ...h.config, ...patch },
      logs ? { logger: pino({ level: 'debug' }, { write: (l: string) => void logs.push(l) }) } : {},
    );
    extra.push(cp);
    return cp;
  };
  const gql = (url: string, query: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
      body: JSON.stringify({ query }),
    });
  /** Runs one operation over graphql-ws and returns what came back (data, errors or the close). */
  const overWs = (url: string, query: string, opts: { token?: string; localAddress?: string } = {}) => {
    const Impl = class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, opts.localAddress ? { localAddress: opts.localAddress } : {});
      }
    };
    const c = createClient({
      url: `${url.replace('http', 'ws')}/graphql`,
      webSocketImpl: Impl,
      connectionParams: { authorization: `Bearer ${opts.token ?? ADMIN_TOKEN}` },
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(c);
    return new Promise<{ data?: unknown; errors?: { message: string }[]; closed?: { code: number; reason: string } }>(
      (resolve) => {
        c.subscribe(
          { query },
          {
            next: (r) => resolve(r as never),
            error: (e) =>
              resolve(
                e instanceof Array
                  ? { errors: e as { message: string }[] }
                  : { closed: { code: (e as { code: number }).code, reason: (e as { reason: string }).reason } },
              ),
            complete: () => undefined,
          },
        );
      },
    );
  };

  describe('CORS', () => {
    it('an allowed origin gets its origin back; any other origin gets no CORS header', async () => {
      const allowed = await gql(h.cp.url, '{ me { role } }', { origin: ALLOWED });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
      const other = await gql(h.cp.url, '{ me { role } }', { origin: 'https://evil.example' });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      expect([...other.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
      expect(other.headers.get('vary')).toMatch(/origin/i);
    });

    it('answers the preflight of an allowed origin with the methods and headers the API uses, and no other', async () => {
      const preflight = (origin: string) =>
        fetch(`${h.cp.url}/graphql`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization, content-type',
          },
        });
      const ok = await preflight('http://localhost:5173');
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
      expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
      const evil = await preflight('https://ops.example.com.evil.example');
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
      expect(evil.headers.get('access-control-allow-headers')).toBeNull();
    });

    it('with CORS_ORIGINS unset no origin gets CORS headers (same origin only)', async () => {
      const cp = await controlPlane({ CORS_ORIGINS: [] });
      expect(
        (await gql(cp.url, '{ me { role } }', { origin: ALLOWED })).headers.get('access-control-allow-origin'),
      ).toBeNull();
    });
  });

  describe('introspection', () => {
    const INTROSPECT = '{ __schema { queryType { name } } }';

    it('is refused by default, over HTTP and over graphql-ws', async () => {
      const res = await gql(h.cp.url, INTROSPECT);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      expect(body.errors[0]!.message).toMatch(/introspection/i);
      const ws = await overWs(h.cp.url, INTROSPECT);
      expect(ws.errors?.[0]?.message).toMatch(/introspection/i);
    });

    it('is answered with GRAPHQL_INTROSPECTION=true', async () => {
      const cp = await controlPlane({ GRAPHQL_INTROSPECTION: true });
      expect(await (await gql(cp.url, INTROSPECT)).json()).toEqual({
        data: { __schema: { queryType: { name: 'Query' } } },
      });
      expect(await overWs(cp.url, INTROSPECT)).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    });
  });

  describe('graphql-ws gets the same limits as HTTP', () => {
    it('refuses a too-deep subscription, a cost bomb with variables-free pages and an over-long document', async () => {
      let nested = 'name';
      for (let i = 0; i < 10; i++)
        nested = `sync { lastResult { objects { created } } } facts { region } objects { edges { node { ${nested} } } }`;
      expect(
        (await overWs(h.cp.url, `subscription { clusterStatusChanged { ${nested} } }`)).errors?.[0]?.message,
      ).toMatch(/^query is nested \d+ levels deep; the limit is 10$/);
      const bomb = await overWs(
        h.cp.url,
        'subscription { clusterStatusChanged { objects(first: 100000) { edges { node { name kind } } } } }',
      );
      expect(bomb.errors?.[0]?.message).toMatch(/^query cost 300003 is over the limit of 100000/);
      const long = await overWs(h.cp.url, `{ ${Array.from({ length: 700 }, () => 'me { id }').join(' ')} }`);
      expect(long.errors?.[0]?.message).toContain('2000 tokens');
      expect(await overWs(h.cp.url, '{ me { role } }')).toEqual({ data: { me: { role: 'ADMIN' } } });
    });
  });

  describe('the body reader', () => {
    it('refuses compressed bodies (415) and answers malformed JSON with 400 naming it', async () => {
      const gz = await fetch(`${h.cp.url}/graphql`, {
        method: 'POST',
        headers: { ...json, 'content-encoding': 'gzip', authorization: `Bearer ${ADMIN_TOKEN}` },
        body: gzipSync(JSON.stringify({ query: '{ me { role } }' })),
      });
      expect(gz.status).toBe(415);
      expect(await gz.json()).toEqual({
        error: {
          code: 'UNSUPPORTED_ENCODING',
          message: 'content-encoding gzip is not accepted; send the body uncompressed',
        },
      });
      const bad = await fetch(`${h.cp.url}/v1/register`, { method: 'POST', headers: json, body: '{"protocol": 1,' });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({
        error: { code: 'INVALID_BODY', message: 'request body is not valid JSON', field: '(root)' },
      });
    });
  });

  describe('graphql-ws message size', () => {
    it('closes a connection whose message is over HTTP_MAX_BODY_BYTES with 1009, and keeps one under it', async () => {
      const send = (bytes: number) =>
        new Promise<{ code: number; reply?: string }>((resolve, reject) => {
          const ws = new WebSocket(`${h.cp.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
          ws.on('error', reject);
          ws.on('open', () =>
            ws.send(
              JSON.stringify({
                type: 'connection_init',
                payload: { authorization: `Bearer ${ADMIN_TOKEN}`, pad: 'x'.repeat(bytes) },
              }),
            ),
          );
          ws.on('message', (m: Buffer) => {
            resolve({ code: 0, reply: JSON.parse(m.toString()).type as string });
            ws.close();
          });
          ws.on('close', (code) => resolve({ code }));
        });
      expect(await send(2 * 1024 * 1024)).toEqual({ code: 1009 });
      expect(await send(512 * 1024)).toEqual({ code: 0, reply: 'connection_ack' });
    });
  });

  describe('helmet', () => {
    it('sets its headers on GraphQL answers, good and refused', async () => {
      for (const res of [
        await gql(h.cp.url, '{ me { role } }'),
        await gql(h.cp.url, '{ nope }'),
        await gql(h.cp.url, '{ me { role } }', { 'content-type': 'text/plain' }),
      ]) {
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
        expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
        expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
        expect(res.headers.get('x-powered-by')).toBeNull();
      }
    });
  });

  describe('failed authentications', () => {
    /** The counts live in the shared database: start each test as if a new minute had begun. */
    const freshMinute = () => h.cp.app.get(DataSource).query(`DELETE FROM rate_limit_windows`);

    it('an address over AUTH_FAILURE_LIMIT_PER_MINUTE gets 429 before any token check; other addresses and successes are unaffected', async () => {
      const logs: string[] = [];
      const cp = await controlPlane({ AUTH_FAILURE_LIMIT_PER_MINUTE: 3 }, logs);
      await freshMinute();
      // Successes are never counted.
      for (let i = 0; i < 5; i++) expect((await gql(cp.url, '{ me { role } }')).status).toBe(200);
      // One operation with three fields and a bad token is one failure, not three.
      const many = await gql(
        cp.url,
        '{ a: cluster(name: "a") { id } b: cluster(name: "b") { id } c: cluster(name: "c") { id } }',
        { authorization: `Bearer ${BAD_TOKEN}` },
      );
      expect(
        ((await many.json()) as { errors: { extensions: { code: string } }[] }).errors.map((e) => e.extensions.code),
      ).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
      // A bad token on graphql-ws connect counts too.
      expect((await overWs(cp.url, '{ me { id } }', { token: BAD_TOKEN })).closed?.code).toBe(4403);
      expect((await gql(cp.url, '{ me { id } }', { authorization: `Bearer ${BAD_TOKEN}` })).status).toBe(200);
      // Third failure reached: even the right token is refused now, over HTTP and graphql-ws.
      const refused = await gql(cp.url, '{ me { role } }');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
      const body = (await refused.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
      expect(body.errors[0]!.message).toMatch(/^too many failed authentications from this address; retry in \d+ s$/);
      const ws = await overWs(cp.url, '{ me { role } }');
      expect(ws.closed).toMatchObject({ code: 4429 });
      expect(ws.closed?.reason).toMatch(/^too many failed authentications/);
      // Another source address still gets in, over both transports.
      const other = await postFrom({
        url: `${cp.url}/graphql`,
        localAddress: '127.0.0.2',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify({ query: '{ me { role } }' }),
      });
      expect(other).toMatchObject({ status: 200, json: { data: { me: { role: 'ADMIN' } } } });
      expect(await overWs(cp.url, '{ me { role } }', { localAddress: '127.0.0.2' })).toEqual({
        data: { me: { role: 'ADMIN' } },
      });
      // The harness's control plane shares the count (same database) but allows 20: fine there.
      expect((await gql(h.cp.url, '{ me { role } }')).status).toBe(200);
      // The presented token is never logged.
      expect(logs.length).toBeGreaterThan(0);
      expect(logs.join('\n')).not.toContain(BAD_TOKEN.slice(-20));
    });

    it('counts bad Git webhook secrets the same way: past the limit even the right secret gets 429', async () => {
      const secret = 'hardening-webhook-secret-01';
      const cp = await controlPlane({ AUTH_FAILURE_LIMIT_PER_MINUTE: 2, FLEET_WEBHOOK_SECRET: secret });
      await freshMinute();
      const hook = (token: string) =>
        fetch(`${cp.url}/v1/git/webhook`, {
          method: 'POST',
          headers: { ...json, 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': token },
          body: '{}',
        });
      expect((await hook('not-the-secret')).status).toBe(401);
      expect((await hook('not-the-secret')).status).toBe(401);
      const refused = await hook(secret);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      // The same address is refused on /graphql too: one budget per address.
      expect((await gql(cp.url, '{ me { role } }')).status).toBe(429);
    });
  });
});

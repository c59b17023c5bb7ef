/**
 * Rate limits and authentication-failure counts shared by every control-plane replica on one
 * PostgreSQL: the counter itself under concurrency from two connection pools, its sweep and its
 * fallback, then two real control planes on one database that see one limit per address over
 * HTTP, graphql-ws, the webhook and registration.
 */
import { createTestDatabase, eventually, type TestDatabase } from '@flotilla/testing';
import { createClient, type Client } from 'graphql-ws';
import type { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane, type ControlPlane } from '../src/bootstrap.js';
import { SharedRateLimiter } from '../src/common/shared-rate-limiter.js';
import { createDataSource } from '../src/database/data-source.js';
import { ADMIN_TOKEN, startHarness, type Harness } from './support/harness.js';

const BAD_TOKEN = 'flt_api_00000000000040008000000000000000_BADBADBADBADBADBADBADBADBADBADBADBADBADBAD';

describe('SharedRateLimiter on one database, two connection pools (two replicas)', () => {
  let db: TestDatabase;
  let a: DataSource;
  let b: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    a = createDataSource(db.url);
    b = createDataSource(db.url);
    await a.initialize();
    await a.runMigrations({ transaction: 'each' });
    await b.initialize();
  });
  afterAll(async () => {
    for (const ds of [a, b]) if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('60 concurrent takes through both replicas: exactly the limit gets through, and both see the block', async () => {
    const opts = { scope: 'concurrency', limit: 10, windowMs: 60_000 };
    const ra = new SharedRateLimiter(a, opts);
    const rb = new SharedRateLimiter(b, opts);
    const waits = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? ra : rb).take('203.0.113.1')));
    expect(waits.filter((w) => w === 0)).toHaveLength(10);
    for (const w of waits.filter((x) => x > 0)) expect(w).toBeGreaterThanOrEqual(1);
    for (const w of waits.filter((x) => x > 0)) expect(w).toBeLessThanOrEqual(60);
    expect(await ra.blocked('203.0.113.1')).toBeGreaterThan(0);
    expect(await rb.blocked('203.0.113.1')).toBeGreaterThan(0);
    expect(await rb.blocked('203.0.113.2')).toBe(0);
    const [row] = (await a.query(`SELECT count FROM rate_limit_windows WHERE scope = 'concurrency'`)) as {
      count: number;
    }[];
    expect(row!.count).toBe(60);
  });

  it('a window that is over starts again at one, by the database clock', async () => {
    const opts = { scope: 'expiry', limit: 1, windowMs: 1_000 };
    const ra = new SharedRateLimiter(a, opts);
    const rb = new SharedRateLimiter(b, opts);
    expect(await ra.take('k')).toBe(0);
    expect(await rb.take('k')).toBe(1);
    // The next window: a take through either replica is allowed again.
    await eventually(async () => (await ra.blocked('k')) === 0, { what: 'the 1 s window to end' });
    expect(await rb.take('k')).toBe(0);
    expect(await ra.take('k')).toBe(1);
  });

  it('the sweep forgets expired windows and keeps at most maxKeys of a scope, newest first', async () => {
    const r = new SharedRateLimiter(a, { scope: 'sweep', limit: 5, windowMs: 60_000, maxKeys: 3 });
    await a.query(
      `INSERT INTO rate_limit_windows (scope, key, window_start, count) VALUES
         ('sweep', 'old', now() - interval '2 minutes', 9),
         ('sweep', 'k1', now() - interval '30 seconds', 1),
         ('sweep', 'k2', now() - interval '20 seconds', 1),
         ('sweep', 'k3', now() - interval '10 seconds', 1),
         ('sweep', 'k4', now() - interval '5 seconds', 1),
         ('other', 'old', now() - interval '2 minutes', 9)`,
    );
    await r.sweep();
    const keys = (await a.query(
      `SELECT scope, key FROM rate_limit_windows WHERE scope IN ('sweep', 'other') ORDER BY 1, 2`,
    )) as {
      scope: string;
      key: string;
    }[];
    expect(keys).toEqual([
      { scope: 'other', key: 'old' },
      { scope: 'sweep', key: 'k2' },
      { scope: 'sweep', key: 'k3' },
      { scope: 'sweep', key: 'k4' },
    ]);
  });

  it('when the database does not answer, a per-replica limit in memory still holds', async () => {
    const gone = createDataSource(db.url);
    await gone.initialize();
    const r = new SharedRateLimiter(gone, { scope: 'fallback', limit: 2, windowMs: 60_000 });
    await gone.destroy();
    expect([await r.take('x'), await r.take('x')]).toEqual([0, 0]);
    expect(await r.take('x')).toBeGreaterThan(0);
    expect(await r.blocked('x')).toBeGreaterThan(0);
    expect(await r.blocked('y')).toBe(0);
  });
});

describe('two control planes on one database', () => {
  let h: Harness;
  let other: ControlPlane;
  const clients: Client[] = [];
  const WEBHOOK_SECRET = 'shared-limits-webhook-secret';
  beforeAll(async () => {
    h = await startHarness({
      AUTH_FAILURE_LIMIT_PER_MINUTE: '4',
      REGISTER_RATE_LIMIT_PER_MINUTE: '3',
      FLEET_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TRUSTED_PROXIES: '127.0.0.1',
    });
    other = await createControlPlane(h.config);
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await other?.close();
    await h?.close();
  });

  const me = (url: string, client: string, token = ADMIN_TOKEN) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-forwarded-for': client },
      body: JSON.stringify({ query: '{ me { role } }' }),
    });
  const wsConnect = (url: string, client: string, token: string) => {
    const Impl = class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { 'x-forwarded-for': client } });
      }
    };
    const c = createClient({
      url: `${url.replace('http', 'ws')}/graphql`,
      webSocketImpl: Impl,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(c);
    return new Promise<{ data?: unknown; closed?: number }>((resolve) =>
      c.subscribe(
        { query: '{ me { role } }' },
        {
          next: (r) => resolve(r as never),
          error: (e) => resolve({ closed: (e as { code: number }).code }),
          complete: () => undefined,
        },
      ),
    );
  };

  it('failed authentications on either replica add up to one limit per address', async () => {
    const client = '203.0.113.10';
    expect((await me(h.cp.url, client, BAD_TOKEN)).status).toBe(200);
    expect((await me(other.url, client, BAD_TOKEN)).status).toBe(200);
    expect((await me(h.cp.url, client, BAD_TOKEN)).status).toBe(200);
    expect((await me(h.cp.url, client)).status).toBe(200);
    // A graphql-ws connect with a bad token on the other replica is the fourth failure.
    expect(await wsConnect(other.url, client, BAD_TOKEN)).toEqual({ closed: 4403 });
    // Both replicas now refuse the address, even with the right token.
    expect((await me(h.cp.url, client)).status).toBe(429);
    expect((await me(other.url, client)).status).toBe(429);
    expect(await wsConnect(h.cp.url, client, ADMIN_TOKEN)).toEqual({ closed: 4429 });
    // Another client behind the same proxy goes on, on both.
    expect((await me(h.cp.url, '203.0.113.11')).status).toBe(200);
    expect((await me(other.url, '203.0.113.11')).status).toBe(200);
  });

  it('webhook 401s count on the replica they happened on and block on the other, before its answer leaves', async () => {
    const hook = (url: string, token: string) =>
      fetch(`${url}/v1/git/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-gitlab-event': 'Push Hook',
          'x-gitlab-token': token,
          'x-forwarded-for': '203.0.113.20',
        },
        body: '{}',
      });
    for (const url of [h.cp.url, other.url, h.cp.url, other.url]) expect((await hook(url, 'wrong')).status).toBe(401);
    expect((await hook(h.cp.url, WEBHOOK_SECRET)).status).toBe(429);
    expect((await hook(other.url, WEBHOOK_SECRET)).status).toBe(429);
  });

  it('registration attempts on either replica count against one REGISTER_RATE_LIMIT_PER_MINUTE', async () => {
    const attempt = (url: string) =>
      fetch(`${url}/v1/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.30' },
        body: '{}',
      });
    expect((await attempt(h.cp.url)).status).toBe(400);
    expect((await attempt(other.url)).status).toBe(400);
    expect((await attempt(h.cp.url)).status).toBe(400);
    const refused = await attempt(other.url);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await attempt(h.cp.url)).status).toBe(429);
  });
});

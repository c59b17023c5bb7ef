/**
 * Behind a reverse proxy (TRUSTED_PROXIES): the failure and registration limits count the client
 * the proxy forwarded, not the proxy, so one client's bad tokens lock out only that client; a
 * peer that is not a trusted proxy cannot pick its key with X-Forwarded-For. Real HTTP and
 * graphql-ws against a real control plane; the test process plays the proxy from 127.0.0.1.
 */
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createControlPlane, type ControlPlane } from '../src/bootstrap.js';
import { postFrom } from './support/raw-http.js';
import { ADMIN_TOKEN, startHarness, type Harness } from './support/harness.js';

const BAD_TOKEN = 'flt_api_00000000000040008000000000000000_BADBADBADBADBADBADBADBADBADBADBADBADBADBAD';
const ME = JSON.stringify({ query: '{ me { role } }' });

describe('TRUSTED_PROXIES', () => {
  let h: Harness;
  const extra: ControlPlane[] = [];
  const clients: Client[] = [];
  beforeAll(async () => {
    // 127.0.0.1 is the proxy; 127.0.0.2 is a client that reaches the hub directly.
    h = await startHarness({ TRUSTED_PROXIES: '127.0.0.1/32, 10.0.0.0/8', REGISTER_RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    for (const cp of extra) await cp.close();
    await h?.close();
  });

  /** A GraphQL request from `localAddress`, with an X-Forwarded-For header when given. */
  const me = (opts: { url?: string; token?: string; xff?: string; from?: string }) =>
    postFrom({
      url: `${opts.url ?? h.cp.url}/graphql`,
      localAddress: opts.from ?? '127.0.0.1',
      headers: {
        authorization: `Bearer ${opts.token ?? ADMIN_TOKEN}`,
        ...(opts.xff ? { 'x-forwarded-for': opts.xff } : {}),
      },
      body: ME,
    });
  /** One graphql-ws operation through the proxy (the upgrade request carries X-Forwarded-For). */
  const overWs = (xff: string) => {
    const Impl = class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { 'x-forwarded-for': xff } });
      }
    };
    const c = createClient({
      url: `${h.cp.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: Impl,
      connectionParams: { authorization: `Bearer ${ADMIN_TOKEN}` },
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(c);
    return new Promise<{ data?: unknown; closed?: number }>((resolve) => {
      c.subscribe(
        { query: '{ me { role } }' },
        {
          next: (r) => resolve(r as never),
          error: (e) => resolve({ closed: (e as { code: number }).code }),
          complete: () => undefined,
        },
      );
    });
  };

  it('20 bad tokens from one forwarded client lock out that client only, not the others behind the same proxy', async () => {
    const attacker = '203.0.113.50';
    for (let i = 0; i < 20; i++) {
      // The attacker writes its own X-Forwarded-For; the proxy appends the address it saw.
      const r = await me({ token: BAD_TOKEN, xff: `198.51.100.${i}, ${attacker}` });
      expect(r.status).toBe(200);
    }
    const locked = await me({ xff: attacker });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // Whatever the attacker puts to the left, the proxy's hop names it.
    expect((await me({ xff: `198.51.100.99, ${attacker}` })).status).toBe(429);
    expect(await overWs(`1.1.1.1, ${attacker}`)).toEqual({ closed: 4429 });
    // Other clients behind the same proxy, and the proxy's own address, go on.
    expect(await me({ xff: '203.0.113.51' })).toMatchObject({ status: 200, json: { data: { me: { role: 'ADMIN' } } } });
    expect((await me({ xff: `${attacker}, 203.0.113.52` })).status).toBe(200);
    expect((await me({})).status).toBe(200);
    expect(await overWs('203.0.113.51')).toEqual({ data: { me: { role: 'ADMIN' } } });
    // Through two trusted proxies (ingress 10.0.0.7 behind the edge at 127.0.0.1) it is the same client.
    expect((await me({ xff: `${attacker}, 10.0.0.7` })).status).toBe(429);
  });

  it('a spoofed X-Forwarded-For from an untrusted peer is ignored: the socket address is counted', async () => {
    const victim = '203.0.113.60';
    for (let i = 0; i < 20; i++) {
      const r = await me({ from: '127.0.0.2', token: BAD_TOKEN, xff: victim });
      expect(r.status).toBe(200);
    }
    // 127.0.0.2 locked itself out, whatever it claims to be…
    expect((await me({ from: '127.0.0.2', xff: '203.0.113.61' })).status).toBe(429);
    expect((await me({ from: '127.0.0.2' })).status).toBe(429);
    // …and the address it named is untouched behind the real proxy.
    expect((await me({ xff: victim })).status).toBe(200);
  });

  it('the registration limit counts forwarded clients too', async () => {
    const attempt = (xff: string) =>
      postFrom({
        url: `${h.cp.url}/v1/register`,
        localAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': xff },
        body: '{}',
      });
    for (let i = 0; i < 3; i++) expect((await attempt('203.0.113.70')).status).toBe(400);
    expect((await attempt('203.0.113.70')).status).toBe(429);
    expect((await attempt('203.0.113.71')).status).toBe(400);
  });

  it('without TRUSTED_PROXIES X-Forwarded-For is ignored: every client of the proxy is the proxy', async () => {
    const cp = await createControlPlane({ ...h.config, TRUSTED_PROXIES: [], AUTH_FAILURE_LIMIT_PER_MINUTE: 3 });
    extra.push(cp);
    for (let i = 0; i < 3; i++)
      await me({ url: cp.url, from: '127.0.0.3', token: BAD_TOKEN, xff: `203.0.113.${80 + i}` });
    expect((await me({ url: cp.url, from: '127.0.0.3', xff: '203.0.113.99' })).status).toBe(429);
  });
});

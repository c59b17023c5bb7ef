/**
 * Issue 13 item 2 through the real HTTP server, PostgreSQL and graphql-ws: revoking an API token
 * closes its open sockets at once (4403), on this replica and on another one sharing the
 * database, which ends their subscriptions; and every operation on an open socket checks the
 * token again, so one revoked behind the notice's back is refused too.
 */
import { createClient, type Client } from 'graphql-ws';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createControlPlane, type ControlPlane } from '../src/bootstrap.js';
import { eventually } from './support/agent.js';
import { startHarness, type Harness } from './support/harness.js';

interface Watch {
  closed?: { code: number; reason: string };
}

describe('API token revocation on open graphql-ws sockets', () => {
  let h: Harness;
  let second: ControlPlane;
  const clients: Client[] = [];
  beforeAll(async () => {
    h = await startHarness();
    second = await createControlPlane(h.config);
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await second?.close();
    await h?.close();
  });

  const token = async (name: string, role = 'OPERATOR') => {
    const r = await h.gql(
      `mutation { createApiToken(input: { name: "${name}", role: ${role} }) { token apiToken { id } } }`,
    );
    return { token: r.data.createApiToken.token as string, id: r.data.createApiToken.apiToken.id as string };
  };
  const revoke = (id: string) => h.gql(`mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }`, { id });
  /** A connected client, and what its socket's close said. */
  const connect = async (url: string, bearer: string) => {
    const watch: Watch = {};
    let opened!: () => void;
    const open = new Promise<void>((r) => (opened = r));
    const c = createClient({
      url: `${url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${bearer}` },
      retryAttempts: 0,
      lazy: false,
      // The close is what the test waits for; graphql-ws would also print it.
      onNonLazyError: () => undefined,
      on: {
        connected: () => opened(),
        closed: (e) =>
          (watch.closed = { code: (e as { code: number }).code, reason: (e as { reason: string }).reason }),
      },
    });
    clients.push(c);
    await open;
    return { c, watch };
  };
  const once = (c: Client, query: string) =>
    new Promise<{ data?: any; errors?: { message: string; extensions?: { code?: string } }[]; error?: unknown }>(
      (resolve) => {
        c.subscribe(
          { query },
          {
            next: (r) => resolve(r as never),
            error: (e) => resolve(Array.isArray(e) ? { errors: e as never } : { error: e }),
            complete: () => undefined,
          },
        );
      },
    );
  /** A long-lived subscription and whether it has ended. */
  const subscription = (c: Client) => {
    const state: { ended: boolean } = { ended: false };
    c.subscribe(
      { query: 'subscription { clusterStatusChanged { id } }' },
      { next: () => undefined, error: () => (state.ended = true), complete: () => (state.ended = true) },
    );
    return state;
  };

  for (const where of ['this replica', 'another replica on the same database'] as const) {
    it(`revokeApiToken closes the token's sockets on ${where} and ends their subscriptions`, async () => {
      const t = await token(`ws-${where.length}`);
      const url = where === 'this replica' ? h.cp.url : second.url;
      const { c, watch } = await connect(url, t.token);
      expect((await once(c, '{ me { role } }')).data).toEqual({ me: { role: 'OPERATOR' } });
      const sub = subscription(c);
      const bystander = await connect(url, (await token('ws-bystander')).token);

      const t0 = Date.now();
      expect((await revoke(t.id)).data.revokeApiToken.revokedAt).toBeTruthy();
      await eventually(async () => watch.closed, 10_000, 'socket closed');
      const ms = Date.now() - t0;
      expect(watch.closed).toEqual({ code: 4403, reason: 'API token revoked' });
      await eventually(async () => sub.ended, 5000, 'subscription ended');
      // Nothing else was touched: another token's socket still answers.
      expect((await once(bystander.c, '{ me { role } }')).data).toEqual({ me: { role: 'OPERATOR' } });
      expect(bystander.watch.closed).toBeUndefined();
      // And the revoked token cannot open a new socket.
      const retry = createClient({
        url: `${url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${t.token}` },
        retryAttempts: 0,
      });
      clients.push(retry);
      expect((await once(retry, '{ me { role } }')).error).toBeTruthy();
      expect(ms).toBeLessThan(10_000);
    });
  }

  it('every operation checks the token again: one revoked without a notice is refused on the open socket', async () => {
    const t = await token('ws-silent');
    const { c } = await connect(h.cp.url, t.token);
    const mutation = `mutation { createApiToken(input: { name: "should-not-exist", role: VIEWER }) { token } }`;
    expect((await once(c, '{ me { role } }')).data).toEqual({ me: { role: 'OPERATOR' } });
    await h.cp.app.get(DataSource).query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, [t.id]);
    const refused = await once(c, '{ me { role } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const write = await once(c, mutation);
    expect(write.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const [{ n }] = (await h.cp.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM api_tokens WHERE name = 'should-not-exist'`)) as [{ n: number }];
    expect(n).toBe(0);
  });
});

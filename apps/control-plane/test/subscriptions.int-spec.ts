import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, registerAgent, type TestAgent } from './support/agent.js';
import { ADMIN_TOKEN, createRegistrationToken, startHarness, type Harness } from './support/harness.js';
import { driftReport, syncReport } from './support/reports.js';
import { SubscriptionBus, type SubscriptionTopics } from '../src/modules/fleet-events/subscription-bus.js';

const SHA = 'c'.repeat(40);

describe('GraphQL subscriptions over graphql-ws', () => {
  let h: Harness;
  const agents: TestAgent[] = [];
  const clients: Client[] = [];
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    for (const a of agents) await a.close().catch(() => undefined);
    await h?.close();
  });

  const agent = async (name: string) => {
    const a = await registerAgent(h, (await createRegistrationToken(h)).token, name);
    agents.push(a);
    return a;
  };
  const client = (connectionParams: Record<string, unknown>) => {
    const c = createClient({
      url: `${h.cp.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams,
      retryAttempts: 0,
      lazy: false,
    });
    clients.push(c);
    return c;
  };
  /** Collects what a subscription delivers, and its error if it ends with one. */
  const subscribe = (c: Client, query: string, variables: Record<string, unknown> = {}) => {
    const got: { data?: any; errors?: unknown }[] = [];
    const state: { error?: unknown; done: boolean } = { done: false };
    c.subscribe(
      { query, variables },
      {
        next: (v) => void got.push(v as never),
        error: (e) => Object.assign(state, { error: e, done: true }),
        complete: () => (state.done = true),
      },
    );
    return { got, state };
  };
  /** In-process listeners of a topic: each live GraphQL subscription adds one. */
  const listeners = (topic: keyof SubscriptionTopics) =>
    (h.cp.app.get(SubscriptionBus) as unknown as { listeners: Map<string, Set<unknown>> }).listeners.get(topic)?.size ??
    0;
  /** Waits until the server has set up `n` listeners on `topic` (the subscriptions are live). */
  const live = (topic: keyof SubscriptionTopics, n: number) =>
    eventually(async () => listeners(topic) >= n, 5000, `${n} listeners on ${topic}`);
  const lastSeenAt = async (id: string): Promise<string> =>
    (await h.gql('query($id: ID!) { cluster(id: $id) { lastSeenAt } }', { id })).data.cluster.lastSeenAt;
  const viewerToken = async () =>
    (await h.gql('mutation { createApiToken(input: { name: "sub-viewer", role: VIEWER }) { token } }')).data
      .createApiToken.token as string;

  it('delivers drift as it is reported to a viewer, filtered by cluster', async () => {
    const [a, b] = [await agent('sub-drift-a'), await agent('sub-drift-b')];
    const c = client({ authorization: `Bearer ${await viewerToken()}` });
    const base = listeners('driftDetected');
    const all = subscribe(
      c,
      'subscription { driftDetected { clusterName object { kind name } fields managers resolution } }',
    );
    const onlyB = subscribe(c, 'subscription($id: ID) { driftDetected(clusterId: $id) { clusterName } }', {
      id: b.clusterId,
    });
    await live('driftDetected', base + 2);
    await a.report('drift', driftReport(a.clusterId, 0, SHA));
    await b.report('drift', driftReport(b.clusterId, 0, SHA, { resolution: 'reported' }));
    await eventually(async () => all.got.length === 2 && onlyB.got.length === 1, 5000, 'drift delivered');
    // Order is kept per cluster, not across clusters.
    const byName = all.got.map((g) => g.data.driftDetected).sort((x, y) => x.clusterName.localeCompare(y.clusterName));
    expect(byName).toEqual([
      {
        clusterName: 'sub-drift-a',
        object: { kind: 'Deployment', name: 'api' },
        fields: ['spec.replicas'],
        managers: ['kubectl-scale'],
        resolution: 'REVERTED',
      },
      {
        clusterName: 'sub-drift-b',
        object: { kind: 'Deployment', name: 'api' },
        fields: ['spec.replicas'],
        managers: ['kubectl-scale'],
        resolution: 'REPORTED',
      },
    ]);
    expect(onlyB.got.map((g) => g.data.driftDetected.clusterName)).toEqual(['sub-drift-b']);
  });

  it('announces a cluster whose sync status changed, with its new state', async () => {
    const a = await agent('sub-status');
    const c = client({ token: ADMIN_TOKEN });
    const statusBase = listeners('clusterStatusChanged');
    const sub = subscribe(
      c,
      'subscription($id: ID) { clusterStatusChanged(clusterId: $id) { name sync { state health lastResult { seq } } } }',
      { id: a.clusterId },
    );
    await live('clusterStatusChanged', statusBase + 1);
    await a.report('sync', syncReport(a.clusterId, 0, SHA, { state: 'Failed', health: 'Degraded' }));
    await eventually(async () => sub.got.length === 1, 5000, 'status change delivered');
    expect(sub.got[0]!.data.clusterStatusChanged).toEqual({
      name: 'sub-status',
      sync: { state: 'OUT_OF_SYNC', health: 'DEGRADED', lastResult: { seq: 0 } },
    });
  });

  it('announces a cluster coming online with its first heartbeat, once', async () => {
    const a = await agent('sub-online');
    const c = client({ token: ADMIN_TOKEN });
    const statusBase = listeners('clusterStatusChanged');
    const sub = subscribe(c, 'subscription($id: ID) { clusterStatusChanged(clusterId: $id) { name connection } }', {
      id: a.clusterId,
    });
    await live('clusterStatusChanged', statusBase + 1);
    await a.heartbeat();
    await eventually(async () => sub.got.length === 1, 5000, 'online announced');
    const seen = await lastSeenAt(a.clusterId);
    await a.heartbeat();
    await eventually(async () => (await lastSeenAt(a.clusterId)) !== seen, 5000, 'the second heartbeat stored');
    expect(sub.got.map((g) => g.data.clusterStatusChanged)).toEqual([{ name: 'sub-online', connection: 'ONLINE' }]);
  });

  it('refuses a connection without a valid API token', async () => {
    for (const params of [{}, { authorization: 'Bearer flt_api_nope' }]) {
      const sub = subscribe(client(params), 'subscription { driftDetected { id } }');
      await eventually(async () => sub.state.done, 5000, 'connection refused');
      expect(sub.got).toEqual([]);
      expect((sub.state.error as { code?: number }).code).toBe(4403);
    }
  });
});

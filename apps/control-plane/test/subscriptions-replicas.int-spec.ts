/**
 * GraphQL subscriptions across control-plane replicas: two control planes on one database and
 * one NATS, a real graphql-ws client on each. Events caused on one replica (its ingest storing a
 * report, its offline watcher) reach the subscribers of both, each exactly once,
 * through PostgreSQL NOTIFY — not through either replica's memory. rolloutProgress across
 * replicas: `rollout-control.int-spec.ts` (two replicas on one database).
 */
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createControlPlane, type ControlPlane } from '../src/bootstrap.js';
import { FleetEvents } from '../src/modules/fleet-events/fleet-events.js';
import { SubscriptionBus, type SubscriptionTopics } from '../src/modules/fleet-events/subscription-bus.js';
import { eventually, registerAgent, type TestAgent } from './support/agent.js';
import { ADMIN_TOKEN, createRegistrationToken, startHarness, type Harness } from './support/harness.js';
import { driftReport } from './support/reports.js';

const SHA = 'd'.repeat(40);

describe('GraphQL subscriptions across two replicas', () => {
  let h: Harness;
  let b: ControlPlane;
  const agents: TestAgent[] = [];
  const clients: Client[] = [];
  beforeAll(async () => {
    h = await startHarness();
    b = await createControlPlane(h.config);
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    for (const a of agents) await a.close().catch(() => undefined);
    await b?.close();
    await h?.close();
  });

  const replicas = () => ({ A: h.cp, B: b });
  const subscribe = (url: string, query: string, variables: Record<string, unknown> = {}) => {
    const c = createClient({
      url: `${url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${ADMIN_TOKEN}` },
      retryAttempts: 0,
    });
    clients.push(c);
    const got: { data?: any; errors?: unknown }[] = [];
    c.subscribe(
      { query, variables },
      { next: (v) => void got.push(v as never), error: () => undefined, complete: () => undefined },
    );
    return got;
  };
  /** Waits until `n` subscriptions on `topic` are live on replica `cp`. */
  const live = (cp: ControlPlane, topic: keyof SubscriptionTopics, n: number) =>
    eventually(
      async () =>
        ((cp.app.get(SubscriptionBus) as unknown as { listeners: Map<string, Set<unknown>> }).listeners.get(topic)
          ?.size ?? 0) >= n,
      5000,
      `${n} subscriptions on ${topic}`,
    );

  it('drift ingested by either replica reaches the subscribers of both, each exactly once', async () => {
    const agent = await registerAgent(h, (await createRegistrationToken(h)).token, 'replica-drift');
    agents.push(agent);
    // Which replica ingests each report is up to the shared JetStream consumer: count it.
    const ingestedOn: Record<string, number> = { A: 0, B: 0 };
    for (const [name, cp] of Object.entries(replicas()))
      cp.app.get(FleetEvents).on('driftDetected', () => void ingestedOn[name]!++);
    const q = 'subscription($id: ID) { driftDetected(clusterId: $id) { id clusterName object { name } } }';
    const onA = subscribe(h.cp.url, q, { id: agent.clusterId });
    const onB = subscribe(b.url, q, { id: agent.clusterId });
    await live(h.cp, 'driftDetected', 1);
    await live(b, 'driftDetected', 1);
    const N = 12;
    for (let i = 0; i < N; i++)
      await agent.report(
        'drift',
        driftReport(agent.clusterId, i, SHA, {
          object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: `cm-${i}` },
        }),
      );
    await eventually(async () => onA.length >= N && onB.length >= N, 10_000, `${N} drift events on both replicas`);
    expect(ingestedOn.A! + ingestedOn.B!).toBe(N);
    const names = (got: typeof onA) => got.map((g) => g.data.driftDetected.object.name as string).sort();
    const expected = Array.from({ length: N }, (_, i) => `cm-${i}`).sort();
    expect(names(onA)).toEqual(expected);
    expect(names(onB)).toEqual(expected);
    expect(onB.every((g) => g.data.driftDetected.clusterName === 'replica-drift')).toBe(true);
  });

  it("an event announced in replica A's process reaches a subscriber on replica B, and each side hears every change once", async () => {
    const agent = await registerAgent(h, (await createRegistrationToken(h)).token, 'replica-status');
    agents.push(agent);
    const q = 'subscription($id: ID) { clusterStatusChanged(clusterId: $id) { id name } }';
    const onA = subscribe(h.cp.url, q, { id: agent.clusterId });
    const onB = subscribe(b.url, q, { id: agent.clusterId });
    await live(h.cp, 'clusterStatusChanged', 1);
    await live(b, 'clusterStatusChanged', 1);
    // What the offline watcher or ingest of replica A announces in its own process.
    h.cp.app.get(FleetEvents).publish('clusterStatusChanged', { clusterId: agent.clusterId });
    await eventually(async () => onA.length === 1 && onB.length === 1, 5000, 'the status change on both replicas');
    expect(onB[0]!.data.clusterStatusChanged).toEqual({ id: agent.clusterId, name: 'replica-status' });
    // One more on B's side: A's subscriber hears it too, once.
    b.app.get(FleetEvents).publish('clusterStatusChanged', { clusterId: agent.clusterId });
    await eventually(async () => onA.length === 2 && onB.length === 2, 5000, 'the second change on both');
  });
});

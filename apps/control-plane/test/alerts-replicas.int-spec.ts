/**
 * Alerts with two control planes on one database and one NATS: each replica ingests part of the
 * reports and runs its own offline watcher, and still every incident is one message — a cluster
 * retrying the same failure alerts once whichever replica ingests each retry, and a cluster
 * going offline alerts once although both watchers notice it.
 */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@flotilla/protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane, type ControlPlane } from '../src/bootstrap.js';
import { FleetEvents } from '../src/modules/fleet-events/fleet-events.js';
import { eventually, registerAgent } from './support/agent.js';
import { createRegistrationToken, registration, startHarness, type Harness } from './support/harness.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { syncReport } from './support/reports.js';

const SHA = 'e'.repeat(40);
const CREATE = 'mutation($input: CreateNotificationTargetInput!) { createNotificationTarget(input: $input) { id } }';

describe('alerts across two replicas', () => {
  let h: Harness;
  let b: ControlPlane;
  let publisher: NatsConnection;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    const env = {
      ALERT_GROUP_WINDOW_MS: '300',
      HEARTBEAT_INTERVAL_SECONDS: '1',
      REGISTER_RATE_LIMIT_PER_MINUTE: '1000',
    };
    h = await startHarness(env);
    b = await createControlPlane(h.config);
    publisher = await h.nats.connect(
      await h.nats.userFor(
        { pub: { allow: [subjects.agentAll] }, sub: { allow: ['_INBOX_ALERTS2.>'] } },
        { inboxPrefix: '_INBOX_ALERTS2' },
      ),
    );
  });
  afterAll(async () => {
    await publisher?.close();
    for (const r of receivers) await r.close();
    await b?.close().catch(() => undefined);
    await h?.close();
  });

  const receiver = async (name: string, event: string) => {
    const r = await startReceiver();
    receivers.push(r);
    const res = await h.gql(CREATE, { input: { name, kind: 'WEBHOOK', url: r.url, events: [event] } });
    if (!res.data) throw new Error(JSON.stringify(res.errors));
    return r;
  };
  /** Counts, per replica, the sync reports its ingest stored (the JetStream consumer splits them). */
  const ingested = () => {
    const n = { A: 0, B: 0 };
    h.cp.app.get(FleetEvents).on('syncReported', () => void n.A++);
    b.app.get(FleetEvents).on('syncReported', () => void n.B++);
    return n;
  };

  it('a cluster retrying the same failure alerts once, whichever replica ingests each retry; again after it recovered', async () => {
    const r = await receiver('retry-hook', 'SYNC_FAILED');
    const { token } = await createRegistrationToken(h);
    const res = await h.register(registration(token, 'retrying').body);
    const { clusterId } = (await res.json()) as { clusterId: string };
    const n = ingested();
    const error = (reason: string) => ({ stage: 'apply', code: 'FORBIDDEN', reason, retryable: true }) as const;
    const js = jetstream(publisher);
    let seq = 0;
    /** Sends one report and waits until a replica stored it, so each step sees the one before. */
    const send = async (failure?: string) => {
      const before = n.A + n.B;
      await js.publish(
        subjects.agent(clusterId, 'sync'),
        JSON.stringify(syncReport(clusterId, seq++, SHA, failure ? { state: 'Failed', error: error(failure) } : {})),
      );
      await eventually(async () => n.A + n.B > before, 8000, `report ${seq - 1} ingested`);
    };
    const reasons = () => r.received.map((m) => JSON.parse(m.raw).summary as string);
    // The same failure, retried 16 times: both replicas ingest some of the retries.
    for (let i = 0; i < 16; i++) await send('forbidden-1');
    await send(); // recovered
    await send('forbidden-2'); // fails again: a new alert
    await send('forbidden-2');
    await send('forbidden-3'); // another failure: a new alert
    await eventually(async () => reasons().some((x) => x.includes('forbidden-3')), 8000, 'the third alert');
    await eventually(
      async () =>
        (
          await h.gql('{ notificationDeliveries(first: 10) { edges { node { status } } } }')
        ).data.notificationDeliveries.edges.every((e: { node: { status: string } }) => e.node.status === 'DELIVERED'),
      8000,
      'every delivery recorded',
    );
    expect(n.A).toBeGreaterThan(0);
    expect(n.B).toBeGreaterThan(0);
    expect(reasons().map((x) => /forbidden-\d/.exec(x)?.[0])).toEqual(['forbidden-1', 'forbidden-2', 'forbidden-3']);
  });

  it('a cluster going offline alerts once, though the offline watchers of both replicas notice it', async () => {
    const r = await receiver('offline-hook', 'CLUSTER_OFFLINE');
    const noticed = { A: 0, B: 0 };
    h.cp.app.get(FleetEvents).on('clusterOffline', () => void noticed.A++);
    b.app.get(FleetEvents).on('clusterOffline', () => void noticed.B++);
    const a = await registerAgent(h, (await createRegistrationToken(h)).token, 'goes-offline');
    await a.heartbeat();
    await eventually(async () => noticed.A >= 1 && noticed.B >= 1, 12_000, 'both watchers noticed');
    await eventually(async () => r.received.length >= 1, 8000, 'the offline alert');
    await a.close();
    // Stop both replicas: each flushes its open incidents and writes their deliveries first, so
    // the rows below are every message either replica would ever send for this incident.
    await b.close();
    await h.stopControlPlane();
    const db = new pg.Client({ connectionString: h.db.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ cluster_names: string[] }>(
        `SELECT cluster_names FROM notification_deliveries WHERE event = 'cluster_offline'`,
      );
      expect(rows).toEqual([{ cluster_names: ['goes-offline'] }]);
    } finally {
      await db.end();
    }
    expect(JSON.parse(r.received[0]!.raw)).toMatchObject({
      event: 'cluster_offline',
      clusters: [{ name: 'goes-offline' }],
    });
  });
});

import { createHmac, timingSafeEqual } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@flotilla/protocol';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, registerAgent } from './support/agent.js';
import { createRegistrationToken, registration, startHarness, type Harness } from './support/harness.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { driftReport, syncReport } from './support/reports.js';

const SECRET = 'whsec-0123456789abcdef';
const SHA = 'd'.repeat(40);
const CREATE =
  'mutation($input: CreateNotificationTargetInput!) { createNotificationTarget(input: $input) { id name kind host signed events } }';
const DELIVERIES =
  '{ notificationDeliveries(first: 20) { edges { node { targetName event summary clusters status attempts lastError nextAttemptAt deliveredAt } } } }';

const verify = (raw: string, header: unknown) => {
  const want = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
  const got = Buffer.from(String(header));
  return got.length === want.length && timingSafeEqual(got, want);
};

describe('alerts', () => {
  let h: Harness;
  let publisher: NatsConnection;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    h = await startHarness({
      ALERT_GROUP_WINDOW_MS: '1500',
      ALERT_RETRY_BASE_MS: '300',
      REGISTER_RATE_LIMIT_PER_MINUTE: '1000',
      HEARTBEAT_INTERVAL_SECONDS: '1',
    });
    // One identity that may publish on every agent subject, standing in for many agents.
    publisher = await h.nats.connect(
      await h.nats.userFor(
        { pub: { allow: [subjects.agentAll] }, sub: { allow: ['_INBOX_ALERTS.>'] } },
        { inboxPrefix: '_INBOX_ALERTS' },
      ),
    );
  });
  afterAll(async () => {
    await publisher?.close();
    for (const r of receivers) await r.close();
    await h?.close();
  });

  const receiver = async (statusFor?: (n: number) => number) => {
    const r = await startReceiver(statusFor);
    receivers.push(r);
    return r;
  };
  const target = async (input: Record<string, unknown>) => {
    const r = await h.gql(CREATE, { input });
    if (!r.data) throw new Error(JSON.stringify(r.errors));
    return r.data.createNotificationTarget;
  };
  const deliveredCount = async () =>
    (await h.gql(DELIVERIES)).data.notificationDeliveries.edges.filter(
      (e: { node: { status: string } }) => e.node.status === 'DELIVERED',
    ).length;
  const deleteAll = async () => {
    for (const t of (await h.gql('{ notificationTargets { id } }')).data.notificationTargets)
      await h.gql('mutation($id: ID!) { deleteNotificationTarget(id: $id) { id } }', { id: t.id });
  };
  const clusters = async (prefix: string, n: number) => {
    const { token } = await createRegistrationToken(h, { maxUses: n });
    const out: { id: string; name: string }[] = [];
    for (let i = 0; i < n; i++) {
      const name = `${prefix}-${String(i).padStart(2, '0')}`;
      const res = await h.register(registration(token, name).body);
      out.push({ id: ((await res.json()) as { clusterId: string }).clusterId, name });
    }
    return out;
  };

  it('never returns or stores a target URL or secret in plain text', async () => {
    const r = await receiver();
    const t = await target({
      name: 'plain-check',
      kind: 'WEBHOOK',
      url: r.url,
      secret: SECRET,
      events: ['DRIFT_DETECTED'],
    });
    expect(t).toEqual({
      id: expect.any(String),
      name: 'plain-check',
      kind: 'WEBHOOK',
      host: new URL(r.url).host,
      signed: true,
      events: ['DRIFT_DETECTED'],
    });
    const [row] = (await h.cp.app
      .get(DataSource)
      .query(`SELECT t::text AS all FROM notification_targets t WHERE id = $1`, [t.id])) as { all: string }[];
    expect(row!.all).not.toContain('secret-path');
    expect(row!.all).not.toContain(Buffer.from('secret-path').toString('hex'));
    expect(row!.all).not.toContain(Buffer.from(SECRET).toString('hex'));
    const bad = await h.gql(CREATE, {
      input: { name: 'x', kind: 'SLACK', url: 'ftp://example.com/a', secret: SECRET, events: [] },
    });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/input\.url: must be an http or https URL/);
    await deleteAll();
  });

  it('sends one signed alert listing all 40 clusters that reported the same drift within the window', async () => {
    const r = await receiver();
    await target({ name: 'fleet-hook', kind: 'WEBHOOK', url: r.url, secret: SECRET, events: ['DRIFT_DETECTED'] });
    const fleet = await clusters('drift40', 40);
    const js = jetstream(publisher);
    for (const [i, c] of fleet.entries()) {
      await js.publish(
        subjects.agent(c.id, 'drift'),
        JSON.stringify(driftReport(c.id, 0, SHA, { resolution: i < 30 ? 'reverted' : 'reported' })),
      );
    }
    await eventually(async () => r.received.length >= 1, 8000, 'alert received');
    // Delivered and recorded so: no retry of it is coming, and every report was in its incident (below).
    await eventually(async () => (await deliveredCount()) >= 1, 8000, 'the delivery recorded');
    expect(r.received).toHaveLength(1);
    const [msg] = r.received;
    expect(verify(msg!.raw, msg!.headers['x-flotilla-signature'])).toBe(true);
    expect(Math.abs(Number(msg!.headers['x-flotilla-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
    const body = JSON.parse(msg!.raw);
    expect(body.event).toBe('drift_detected');
    expect(body.summary).toBe('Drift on Deployment web/api (spec.replicas) on 40 clusters: reverted on 30 of 40');
    expect(body.clusters.map((c: { name: string }) => c.name).sort()).toEqual(fleet.map((c) => c.name));
    expect(body.clusters.find((c: { name: string }) => c.name === 'drift40-35').resolution).toBe('reported');
    await deleteAll();
  });

  it('retries a failing receiver with growing delays, then delivers, all visible in GraphQL', async () => {
    const r = await receiver((n) => (n < 2 ? 503 : 200));
    await target({ name: 'flaky-slack', kind: 'SLACK', url: r.url, events: ['SYNC_FAILED'] });
    const [c] = await clusters('flaky', 1);
    const error = {
      stage: 'render',
      code: 'INVALID_YAML',
      reason: 'bad indentation',
      file: 'clusters/flaky-00/a.yaml',
      retryable: false,
    } as const;
    await jetstream(publisher).publish(
      subjects.agent(c!.id, 'sync'),
      JSON.stringify(syncReport(c!.id, 0, SHA, { state: 'Failed', error })),
    );
    const pending = await eventually(
      async () => {
        const d = (await h.gql(DELIVERIES)).data.notificationDeliveries.edges
          .map((e: any) => e.node)
          .find((n: any) => n.targetName === 'flaky-slack');
        return d?.attempts >= 1 && d;
      },
      8000,
      'first failed attempt',
    );
    expect(pending).toMatchObject({
      event: 'SYNC_FAILED',
      status: 'PENDING',
      clusters: ['flaky-00'],
      lastError: expect.stringContaining('HTTP 503'),
    });
    expect(pending.lastError).not.toContain('secret-path');
    expect(Date.parse(pending.nextAttemptAt)).toBeGreaterThan(Date.now() - 1000);
    const done = await eventually(
      async () => {
        const d = (await h.gql(DELIVERIES)).data.notificationDeliveries.edges
          .map((e: any) => e.node)
          .find((n: any) => n.targetName === 'flaky-slack');
        return d?.status === 'DELIVERED' && d;
      },
      10_000,
      'delivered',
    );
    expect(done).toMatchObject({ attempts: 3, lastError: null, nextAttemptAt: null });
    expect(r.received).toHaveLength(3);
    const gaps = [r.received[1]!.at - r.received[0]!.at, r.received[2]!.at - r.received[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(280);
    expect(gaps[1]).toBeGreaterThanOrEqual(580);
    const slack = JSON.parse(r.received[2]!.raw);
    expect(slack.text).toBe('Sync failed in render (INVALID_YAML) on 1 cluster: bad indentation. Clusters: flaky-00');
    expect(slack.blocks).toHaveLength(2);
    expect(r.received[2]!.headers['x-flotilla-signature']).toBeUndefined();
    await deleteAll();
  });

  it('alerts once for an agent retrying the same failure, and again after it recovered', async () => {
    const r = await receiver();
    await target({ name: 'retry-hook', kind: 'WEBHOOK', url: r.url, events: ['SYNC_FAILED'] });
    const [c] = await clusters('retrying', 1);
    const js = jetstream(publisher);
    const error = {
      stage: 'apply',
      code: 'FORBIDDEN',
      reason: 'deployments.apps is forbidden',
      retryable: true,
    } as const;
    const send = (seq: number, state: 'Failed' | 'Synced') =>
      js.publish(
        subjects.agent(c!.id, 'sync'),
        JSON.stringify(syncReport(c!.id, seq, SHA, state === 'Failed' ? { state, error } : {})),
      );
    await send(0, 'Failed');
    await eventually(async () => r.received.length === 1, 8000, 'first alert');
    await send(1, 'Failed');
    await send(2, 'Failed');
    await send(3, 'Synced');
    await send(4, 'Failed');
    // Reports are handled in order and each incident's window closes in turn: an alert for the
    // repeated failures would have come before the one after recovery.
    await eventually(async () => r.received.length >= 2, 8000, 'alert after recovery');
    await eventually(async () => (await deliveredCount()) >= 2, 8000, 'both deliveries recorded');
    expect(r.received).toHaveLength(2);
    await deleteAll();
  });

  it('alerts when a cluster goes offline', async () => {
    const r = await receiver();
    await target({ name: 'offline-hook', kind: 'WEBHOOK', url: r.url, events: ['CLUSTER_OFFLINE'] });
    const a = await registerAgent(h, (await createRegistrationToken(h)).token, 'goes-offline');
    await a.heartbeat();
    await eventually(async () => r.received.length === 1, 12_000, 'offline alert');
    await a.close();
    const body = JSON.parse(r.received[0]!.raw);
    expect(body).toMatchObject({
      event: 'cluster_offline',
      summary: '1 cluster went offline',
      clusters: [{ name: 'goes-offline' }],
    });
    expect(r.received[0]!.headers['x-flotilla-signature']).toBeUndefined();
    await deleteAll();
  });
});

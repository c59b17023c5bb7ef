import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { AGENT_CONSUMER, AGENT_STREAM, DESIRED_BUCKET, subjects } from '@flotilla/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, registerAgent } from './support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from './support/harness.js';

describe('health and metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reports database and NATS up on /healthz, with helmet security headers', async () => {
    const res = await fetch(`${h.cp.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: 'up', nats: 'up' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('creates the agent stream (file storage) and the desired-state bucket (direct get) at boot', async () => {
    const nc = await h.nats.connect(h.nats.hub);
    try {
      const jsm = await jetstreamManager(nc);
      const stream = await jsm.streams.info(AGENT_STREAM);
      expect(stream.config).toMatchObject({
        subjects: [subjects.agentAll],
        storage: StorageType.File,
        max_age: 7 * 24 * 3600 * 1e9,
      });
      const bucket = await jsm.streams.info(`KV_${DESIRED_BUCKET}`);
      expect(bucket.config.allow_direct).toBe(true);
      const consumer = await jsm.consumers.info(AGENT_STREAM, AGENT_CONSUMER);
      expect(consumer.config.durable_name).toBe(AGENT_CONSUMER);
    } finally {
      await nc.close();
    }
  });

  it('serves Prometheus metrics including the Flotilla counters', async () => {
    const res = await fetch(`${h.cp.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    for (const name of [
      'flotilla_agent_messages_rejected_total',
      'flotilla_heartbeats_ingested_total',
      'flotilla_registrations_total',
      'process_cpu_seconds_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
  });

  it('answers 503 while NATS is down and recovers when it returns', async () => {
    await h.nats.stop();
    const down = await eventually(
      async () => {
        const r = await fetch(`${h.cp.url}/healthz`);
        return r.status === 503 && ((await r.json()) as object);
      },
      5000,
      '503',
    );
    expect(down).toEqual({ status: 'degraded', database: 'up', nats: 'down' });
    // Not ready, but alive: the liveness probe (/livez) restarts nothing while NATS is away.
    const live = await fetch(`${h.cp.url}/livez`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    await h.nats.start();
    await eventually(async () => (await fetch(`${h.cp.url}/healthz`)).status === 200, 10_000, 'healthy again');
  });

  it('keeps ingesting heartbeats after NATS restarts', async () => {
    const { token } = await createRegistrationToken(h);
    const agent = await registerAgent(h, token, 'after-nats-restart');
    try {
      await agent.heartbeat({ nodeCount: 9 });
      const nodeCount = async () =>
        (await h.gql('query($id: ID) { cluster(id: $id) { facts { nodeCount } } }', { id: agent.clusterId })).data
          .cluster.facts.nodeCount;
      await eventually(async () => (await nodeCount()) === 9, 10_000, 'heartbeat ingested after NATS restart');
    } finally {
      await agent.close();
    }
  });
});

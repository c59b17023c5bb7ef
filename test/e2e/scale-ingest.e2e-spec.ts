/**
 * bench:scale in small (issue 18): 500 protocol-level agents (10 registered over HTTP, the rest
 * written to the database with JWTs minted as registration mints them), each with its own nkey,
 * connected to NATS as its own user and sending heartbeats and sync reports through the hub's relay
 * every second or two. Once they stop, the hub has stored every report the relay accepted,
 * exactly once, and counted every accepted heartbeat — nothing lost, nothing made up.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegisterResponse } from '@flotilla/protocol';
import { eventually } from '@flotilla/testing';
import {
  createRegistrationToken,
  registration,
  startHarness,
  type Harness,
} from '../../apps/control-plane/test/support/harness.js';
import { ProtocolAgents, type ProtocolAgentCredential } from './support/protocol-agents.js';
import { seedClusters } from './support/seed-clusters.js';

const AGENTS = 500;
const REGISTER = 10;
const REPORTS_EACH = 2;

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

describe(`ingest at scale (${AGENTS} protocol-level agents)`, () => {
  let h: Harness;
  let agents: ProtocolAgents | undefined;
  let db: pg.Client;

  beforeAll(async () => {
    h = await startHarness({ REGISTER_RATE_LIMIT_PER_MINUTE: String(AGENTS * 10) });
    db = new pg.Client({ connectionString: h.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await agents?.stop();
    await db?.end();
    await h?.close();
  });

  it('stores every accepted report exactly once and counts every accepted heartbeat', async () => {
    // A few register over HTTP; the rest are written to the database with JWTs minted as registration does.
    const { token } = await createRegistrationToken(h, { name: 'scale', tags: ['scale'], maxUses: REGISTER });
    const creds: ProtocolAgentCredential[] = await seedClusters(
      h.db.url,
      h.nats.trust,
      Array.from({ length: AGENTS - REGISTER }, (_, i) => ({ name: `scale-seeded-${i}`, tags: ['scale'] })),
    );
    for (let i = 0; i < REGISTER; i++) {
      const { body, key } = registration(token, `scale-${i}`);
      const res = await h.register(body);
      expect(res.status, await res.clone().text()).toBe(201);
      const r = RegisterResponse.parse(await res.json());
      creds.push({ clusterId: r.clusterId, jwt: r.nats.jwt, seed: key.seed, inboxPrefix: r.nats.inboxPrefix });
    }

    agents = new ProtocolAgents(creds, { natsUrl: h.nats.url, heartbeatMs: 2_000, reportMs: 1_000 });
    await agents.start();
    const fleet = agents;
    await eventually(() => fleet.stats().connected === AGENTS, { timeoutMs: 30_000, what: 'every agent connected' });
    await eventually(() => [...fleet.reports().values()].every((r) => r.accepted.length >= REPORTS_EACH), {
      timeoutMs: 30_000,
      what: `${REPORTS_EACH} accepted reports from every agent`,
    });
    await fleet.quiesce();
    const stats = fleet.stats();
    const sent = fleet.reports();
    expect(stats.heartbeatsAccepted).toBeGreaterThan(0);

    // Once the backlog is written: the stored seqs of each cluster are its accepted ones, plus at
    // most ones it sent whose answer it lost — never a seq it did not send, never a loss.
    const stored = await eventually(
      async () => {
        const { rows } = await db.query<{ cluster_id: string; seqs: string[] }>(
          `SELECT cluster_id, array_agg(seq ORDER BY seq) AS seqs FROM sync_results GROUP BY cluster_id`,
        );
        const byCluster = new Map(rows.map((r) => [r.cluster_id, r.seqs.map(Number)]));
        const complete = [...sent].every(([id, r]) => r.accepted.every((s) => byCluster.get(id)?.includes(s)));
        return complete ? byCluster : undefined;
      },
      { timeoutMs: 30_000, what: 'every accepted report stored' },
    );
    expect(stored.size).toBe(AGENTS);
    for (const [id, r] of sent) {
      const seqs = stored.get(id)!;
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs.every((s) => s >= 1 && s <= r.sent)).toBe(true);
      if (stats.reportsFailed === 0) expect(seqs).toEqual([...r.accepted].sort((a, b) => a - b));
    }
    const total = [...stored.values()].reduce((n, s) => n + s.length, 0);
    expect(await metric(h.cp.url, 'flotilla_reports_ingested_total')).toBe(total);

    // Heartbeats leave only last_seen_at behind: the hub's counter must match what the relay accepted.
    await eventually(
      async () => (await metric(h.cp.url, 'flotilla_heartbeats_ingested_total')) >= stats.heartbeatsAccepted,
      { timeoutMs: 30_000, what: 'every accepted heartbeat ingested' },
    );
    const heartbeats = await metric(h.cp.url, 'flotilla_heartbeats_ingested_total');
    expect(heartbeats).toBeLessThanOrEqual(stats.heartbeatsAccepted + stats.heartbeatsFailed);
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM clusters WHERE last_seen_at IS NOT NULL`);
    const beating = [...sent].filter(([, r]) => r.heartbeatsAccepted > 0).map(([id]) => id);
    expect(rows.map((r) => r.id).sort()).toEqual(expect.arrayContaining(beating.sort()));
  }, 180_000);
});

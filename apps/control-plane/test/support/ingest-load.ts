/**
 * Report-ingest load for fault tests: clusters registered over the public API, reports published
 * as agents publish them, and what PostgreSQL stored of them, counted.
 */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@flotilla/protocol';
import pg from 'pg';
import { expect } from 'vitest';
import { adminGql, CREATE_REGISTRATION_TOKEN, registration } from './harness.js';
import { syncReport } from './reports.js';

/** Registers `count` clusters named `<prefix>-<i>`, each with its own one-use token; returns their ids. */
export async function registerClusters(hubUrl: string, count: number, prefix: string): Promise<string[]> {
  const gql = adminGql(() => hubUrl);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = await gql(CREATE_REGISTRATION_TOKEN, { input: { name: `t${i}`, tags: [], expiresIn: 3600, maxUses: 1 } });
    const res = await fetch(`${hubUrl}/v1/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(registration(t.data.createRegistrationToken.token, `${prefix}-${i}`).body),
    });
    expect(res.status).toBe(201);
    ids.push(((await res.json()) as { clusterId: string }).clusterId);
  }
  return ids;
}

/** Rows stored for these clusters' sync reports, and how many distinct (cluster, seq) they hold. */
export const STORED_REPORTS_SQL = `SELECT count(*)::int AS n, count(DISTINCT (cluster_id, seq))::int AS d FROM sync_results WHERE cluster_id = ANY($1::uuid[])`;

/** STORED_REPORTS_SQL on a connection of its own to `url` (the hub's pool may be the thing under test). */
export async function storedReports(url: string, ids: string[]): Promise<{ n: number; d: number }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<{ n: number; d: number }>(STORED_REPORTS_SQL, [ids])).rows[0]!;
  } finally {
    await client.end();
  }
}

export interface SteadyReports {
  /** Reports JetStream acknowledged so far, all clusters together. */
  total(): number;
  /** Stops sending and waits for the reports in flight. */
  stop(): Promise<void>;
}

/** Every cluster reports every 50 ms until stopped; a report acknowledged by JetStream counts as sent. */
export function steadyReports(publisher: NatsConnection, ids: string[], revision: string): SteadyReports {
  const js = jetstream(publisher, { timeout: 5000 });
  let sending = true;
  const sent = new Map<string, number>(ids.map((id) => [id, 0]));
  const senders = ids.map(async (id) => {
    for (let seq = 0; sending; seq++) {
      await js.publish(subjects.agent(id, 'sync'), JSON.stringify(syncReport(id, seq, revision)), {
        msgID: `${id}/${seq}`,
      });
      sent.set(id, seq + 1);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  return {
    total: () => [...sent.values()].reduce((a, b) => a + b, 0),
    stop: async () => {
      sending = false;
      await Promise.all(senders);
    },
  };
}

/**
 * PostgreSQL with a streaming standby (synchronous replication), both from the embedded binaries
 * on free ports in a temporary folder. The hub's DATABASE_URL lists both hosts with
 * target_session_attrs=read-write. During report ingest the primary is killed (SIGKILL to the
 * server and its backends) and the standby promoted: the hub follows it by itself (readiness false
 * meanwhile), ingest resumes, and every report an agent sent is stored exactly once — nothing the
 * primary had committed is missing on the new primary.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  startEmbeddedPostgres,
  startEmbeddedStandby,
  type EmbeddedPostgres,
  type EmbeddedStandby,
} from '@flotilla/local-infra';
import { eventually, scaled, startNats, type TestNats } from '@flotilla/testing';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane, type ControlPlane } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/load-config.js';
import { FleetEvents } from '../src/modules/fleet-events/fleet-events.js';
import { testHubEnv, AGENTS_PUBLISHER } from './support/harness.js';
import { registerClusters, steadyReports, storedReports } from './support/ingest-load.js';

const SHA = 'c'.repeat(40);
const CLUSTERS = 4;

async function one<T>(url: string, sql: string, params: unknown[] = []): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows[0] as T;
  } finally {
    await c.end();
  }
}

describe('PostgreSQL primary killed, standby promoted', { timeout: scaled(150_000) }, () => {
  let folder: string;
  let primary: EmbeddedPostgres;
  let standby: EmbeddedStandby;
  let nats: TestNats;
  let cp: ControlPlane;
  let publisher: NatsConnection;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'flotilla-pg-failover-'));
    chmodSync(folder, 0o755); // PostgreSQL runs as the OS user postgres when we are root
    [primary, nats] = await Promise.all([
      startEmbeddedPostgres({ dataDir: join(folder, 'primary', 'data'), systemDir: join(folder, 'system') }),
      startNats(),
    ]);
    standby = await startEmbeddedStandby({ primary, dataDir: join(folder, 'standby', 'data'), synchronous: true });
    const multiHost = primary.url
      .replace(`127.0.0.1:${primary.port}`, `127.0.0.1:${primary.port},127.0.0.1:${standby.port}`)
      .concat('?target_session_attrs=read-write');
    const config = loadConfig(
      testHubEnv(multiHost, nats, {
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        DATABASE_QUERY_TIMEOUT_MS: '2000',
        REGISTER_RATE_LIMIT_PER_MINUTE: '1000',
      }),
    );
    cp = await createControlPlane(config);
    publisher = await nats.connect(await nats.userFor(AGENTS_PUBLISHER.permissions, AGENTS_PUBLISHER.opts));
  }, scaled(120_000));

  afterAll(async () => {
    await publisher?.close();
    await cp?.close();
    await nats?.[Symbol.asyncDispose]();
    await standby?.stop();
    await primary?.kill();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  const ready = async () => (await fetch(`${cp.url}/readyz`, { signal: AbortSignal.timeout(5000) })).status;
  const serverPort = async () =>
    ((await cp.app.get(DataSource).query('SELECT inet_server_port() AS port')) as { port: number }[])[0]!.port;

  it('the hub follows the promoted standby; every report stored once', async () => {
    expect(await serverPort()).toBe(primary.port);
    const ids = await registerClusters(cp.url, CLUSTERS, 'fo');
    const processed: string[] = [];
    cp.app.get(FleetEvents).on('syncReported', (e) => void processed.push(`${e.clusterId}/${e.report.seq}`));
    const reports = steadyReports(publisher, ids, SHA);
    const total = reports.total;
    const stored = () => storedReports(standby.url, ids);
    await eventually(async () => processed.length >= 40, { timeoutMs: 20_000, what: 'reports stored on the primary' });

    // What the primary had committed when it died must all be on the standby (synchronous replication).
    const killedAt = Date.now();
    await primary.kill();
    const committedOnStandby = await one<{ n: number }>(
      standby.url,
      'SELECT count(*)::int AS n FROM sync_results WHERE cluster_id = ANY($1::uuid[])',
      [ids],
    );
    expect(committedOnStandby.n).toBeGreaterThanOrEqual(40);
    await eventually(async () => (await ready()) === 503, { timeoutMs: 15_000, what: 'not ready without a primary' });
    const promotingAt = Date.now();
    await standby.promote();
    const promotedAt = Date.now();
    await eventually(async () => (await ready()) === 200, { timeoutMs: 30_000, what: 'ready on the new primary' });
    const readyAt = Date.now();
    expect(await serverPort()).toBe(standby.port);
    const sentAtPromotion = total();
    await eventually(async () => (await stored()).n >= sentAtPromotion, {
      timeoutMs: 60_000,
      what: `the ${sentAtPromotion} reports sent until the promotion stored`,
    });
    const resumedAt = Date.now();
    await reports.stop();
    const all = total();
    await eventually(async () => (await stored()).n >= all, { timeoutMs: 60_000, what: `${all} reports stored` });

    // Every report stored once, none processed twice. (A write the primary committed, and the
    // standby with it, as the primary died unanswered comes back and finds its row: no second event.)
    expect(await stored()).toEqual({ n: all, d: all });
    expect(new Set(processed).size).toBe(processed.length);
    expect(processed.length).toBeLessThanOrEqual(all);
    console.info(
      `postgres failover: ${all} reports (${all - processed.length} committed but unanswered when the primary died, stored once); ${committedOnStandby.n} committed on the primary were on the standby when it died; ` +
        `promotion ${promotedAt - promotingAt} ms (started ${promotingAt - killedAt} ms after the kill), hub ready ${readyAt - promotedAt} ms ` +
        `after promotion, every report sent until then stored ${resumedAt - promotedAt} ms after promotion`,
    );
  });
});

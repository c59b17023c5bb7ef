/**
 * PostgreSQL stopped during report ingest and started again: the control plane recovers by itself.
 * The hub runs on a PostgreSQL of its own (embedded binaries, a free port, a temporary folder), so
 * this test can stop it without touching the shared server. Reports keep arriving through JetStream
 * while the database is away; the hub answers 503 on /readyz meanwhile (/livez stays 200), and once
 * the database is back every report an agent sent is stored exactly once.
 * The outage lasts FLOTILLA_TEST_PG_OUTAGE_SECONDS (default 5; the 30 s: set it to 30), in
 * any case longer than the hub's connect and query timeouts.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@flotilla/local-infra';
import { AGENT_CONSUMER, AGENT_STREAM } from '@flotilla/protocol';
import { eventually, scaled, startNats, type TestNats } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane, type ControlPlane } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/load-config.js';
import { FleetEvents } from '../src/modules/fleet-events/fleet-events.js';
import { NatsService } from '../src/modules/nats/nats.service.js';
import { testHubEnv, AGENTS_PUBLISHER } from './support/harness.js';
import { registerClusters, steadyReports, storedReports } from './support/ingest-load.js';

const SHA = 'e'.repeat(40);
const CLUSTERS = 5;
const OUTAGE_MS = Number(process.env.FLOTILLA_TEST_PG_OUTAGE_SECONDS ?? 5) * 1000;
const CONNECT_TIMEOUT_MS = 1000;
const QUERY_TIMEOUT_MS = 2000;

describe('PostgreSQL stopped during ingest and started again', { timeout: scaled(120_000) + OUTAGE_MS }, () => {
  let folder: string;
  let pg: EmbeddedPostgres | undefined;
  let nats: TestNats;
  let cp: ControlPlane;
  let publisher: NatsConnection;
  const startPg = (port?: number) =>
    startEmbeddedPostgres({
      dataDir: join(folder, 'pg', 'data'),
      systemDir: join(folder, 'system'),
      ...(port ? { port } : {}),
    });

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'flotilla-pg-outage-'));
    chmodSync(folder, 0o755); // PostgreSQL runs as the OS user postgres when we are root
    [pg, nats] = await Promise.all([startPg(), startNats()]);
    const config = loadConfig(
      testHubEnv(pg.url, nats, {
        DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
        REGISTER_RATE_LIMIT_PER_MINUTE: '1000',
      }),
    );
    cp = await createControlPlane(config);
    // One identity that may publish on every agent subject, standing in for the agents.
    publisher = await nats.connect(await nats.userFor(AGENTS_PUBLISHER.permissions, AGENTS_PUBLISHER.opts));
  }, scaled(90_000));

  afterAll(async () => {
    await publisher?.close();
    await cp?.close();
    await nats?.[Symbol.asyncDispose]();
    await pg?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  const status = async (path: string) =>
    (await fetch(`${cp.url}${path}`, { signal: AbortSignal.timeout(5000) })).status;

  it('holds the reports in JetStream, answers not ready meanwhile, then stores every report once', async () => {
    const ids = await registerClusters(cp.url, CLUSTERS, 'pg');
    expect(await status('/readyz')).toBe(200);
    const processed: string[] = [];
    cp.app.get(FleetEvents).on('syncReported', (e) => void processed.push(`${e.clusterId}/${e.report.seq}`));
    const stored = () => storedReports(pg!.url, ids);

    const reports = steadyReports(publisher, ids, SHA);
    const total = reports.total;
    await eventually(async () => processed.length >= 20, {
      timeoutMs: 20_000,
      what: 'reports stored before the outage',
    });

    // Readiness, polled all along: every answer with the time it came.
    const probes: { at: number; ready: number; live: number }[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const [ready, live] = await Promise.all([status('/readyz').catch(() => 0), status('/livez').catch(() => 0)]);
        probes.push({ at: Date.now(), ready, live });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    const port = pg!.port;
    const stoppedAt = Date.now();
    await pg!.stop();
    pg = undefined;
    const sentAtStop = total();
    const jsm = await jetstreamManager(cp.app.get(NatsService).nc);
    const streamAtStop = (await jsm.streams.info(AGENT_STREAM)).state.messages;
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    // JetStream took every report sent while the database was away; ingest could store none of them.
    const streamBeforeStart = (await jsm.streams.info(AGENT_STREAM)).state.messages;
    const sentDuringOutage = total() - sentAtStop;
    expect(sentDuringOutage).toBeGreaterThan(0);
    expect(streamBeforeStart - streamAtStop).toBeGreaterThanOrEqual(sentDuringOutage - CLUSTERS);
    const pending = await jsm.consumers.info(AGENT_STREAM, AGENT_CONSUMER);
    expect(pending.num_pending + pending.num_ack_pending).toBeGreaterThanOrEqual(sentDuringOutage - CLUSTERS);

    const restartingAt = Date.now();
    pg = await startPg(port);
    const restartedAt = Date.now();
    const outageMs = restartingAt - stoppedAt;
    await eventually(async () => (await status('/readyz')) === 200, { timeoutMs: 30_000, what: 'ready again' });
    const readyAgainAt = Date.now();
    const sentAtRestart = total();
    await eventually(async () => (await stored()).n >= sentAtRestart, {
      timeoutMs: 60_000,
      what: `the ${sentAtRestart} reports sent until the restart stored`,
    });
    const heldStoredAt = Date.now();
    await reports.stop();
    probing = false;
    await prober;
    const all = total();
    await eventually(async () => (await stored()).n >= all, { timeoutMs: 60_000, what: `${all} reports stored` });
    const caughtUpAt = Date.now();

    // Readiness: ready before, not ready while the database was away, ready after; alive throughout.
    const during = probes.filter((p) => p.at > stoppedAt + QUERY_TIMEOUT_MS + 500 && p.at < restartingAt);
    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((p) => p.ready !== 503).map((p) => ({ ...p, at: p.at - stoppedAt }))).toEqual([]);
    expect(probes.every((p) => p.live === 200)).toBe(true);
    expect(probes.at(-1)!.ready).toBe(200);
    // The outage outlasted every time limit the hub puts on the database.
    expect(outageMs).toBeGreaterThan(Math.max(CONNECT_TIMEOUT_MS, QUERY_TIMEOUT_MS));

    // Every report an agent sent is stored, none twice; none processed twice. (A write the
    // database committed as it went down, unanswered, comes back and finds its row: stored once,
    // and no second event.)
    expect(await stored()).toEqual({ n: all, d: all });
    expect(new Set(processed).size).toBe(processed.length);
    expect(processed.length).toBeLessThanOrEqual(all);
    console.info(
      `postgres outage: ${all} reports (${all - processed.length} committed as the database went down, unanswered, stored once; ${sentDuringOutage} sent while PostgreSQL was stopped for ${outageMs} ms, ${restartedAt - restartingAt} ms to start it again), ` +
        `ready again ${readyAgainAt - restartedAt} ms after restart, the held reports stored ${heldStoredAt - restartedAt} ms after restart, all ${caughtUpAt - restartedAt} ms`,
    );
  });
});

/**
 * Issue 18, an edge site cut off: real agents (kube-sim clusters) connected to a NATS leaf node
 * whose links to the 3-node hub cluster run through TCP proxies; the proxies are cut — a real
 * partition, both sides only see their connections die and new ones refused — for
 * FLOTILLA_LEAF_PARTITION_SECONDS (default in the suite: 8 s, scaled with the machine's load; the
 * documented scenario is 60 s). While cut, the agents keep enforcing (hand edits reverted against
 * kube-sim) and queue their reports; the hub sees them go offline. After the link returns, every
 * report arrives in order and is stored exactly once, counted in PostgreSQL.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { scaled, startGitServer, type GitServer } from '@flotilla/testing';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { ensureKubectl } from '../../scripts/setup-kubectl.mjs';
import { appFiles, clusterPaths, fleetSettledOn, startSimFleet, type SimFleet } from './support/sim-fleet.js';
import { startLeafSite, type LeafSite } from './support/leaf-site.js';

const run = promisify(execFile);
const SITE = [
  { name: 'edge-1', tag: 'edge' },
  { name: 'edge-2', tag: 'edge' },
];
const PARTITION_MS = process.env.FLOTILLA_LEAF_PARTITION_SECONDS
  ? Number(process.env.FLOTILLA_LEAF_PARTITION_SECONDS) * 1000
  : scaled(8_000);

describe('an edge site behind a NATS leaf node loses its link', () => {
  let git: GitServer;
  let site: LeafSite;
  let fleet: SimFleet;
  let dir: string;
  let head: string;

  beforeAll(async () => {
    if (!(PARTITION_MS > 0)) throw new Error('FLOTILLA_LEAF_PARTITION_SECONDS must be a positive number');
    dir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-leaf-'));
    git = await startGitServer();
    head = await git.commit({ files: { ...appFiles('nginx:1.27', 'v1'), ...clusterPaths(SITE) }, message: 'site' });
    // Heartbeats every second: the hub marks the site offline within 3 s of the cut, in any run.
    site = await startLeafSite({
      env: { FLEET_REPO_URL: git.url, FLEET_POLL_INTERVAL_SECONDS: '1', HEARTBEAT_INTERVAL_SECONDS: '1' },
    });
    // The hub tells registering agents to use the leaf (AGENT_NATS_URL); it starts once they are known.
    fleet = await startSimFleet(site.h, SITE, { dir });
    await site.startLeaf();
    await fleetSettledOn(site.h, head, 'the site synced through the leaf');
  });
  afterAll(async () => {
    await fleet?.close();
    await site?.close();
    await git?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const kubectl = async (cluster: string, ...args: string[]) =>
    (
      await run(ensureKubectl(), [
        '--kubeconfig',
        fleet.sims.get(cluster)!.kubeconfigPath,
        '--cache-dir',
        join(dir, `kube-cache-${cluster}`),
        ...args,
      ])
    ).stdout;
  const replicas = (cluster: string) =>
    kubectl(cluster, '-n', 'app', 'get', 'deploy/web', '-o', 'jsonpath={.spec.replicas}');
  const db = () => site.cp.app.get(DataSource);
  /** Every report stored for a cluster: sync results and drift events share the agent's seq; ids are insert order. */
  const stored = async (name: string) =>
    (await db().query(
      `SELECT r.id::int AS id, r.seq::int AS seq, r.kind FROM (
         SELECT id, seq, 'sync' AS kind, cluster_id FROM sync_results
         UNION ALL SELECT id, seq, 'drift', cluster_id FROM drift_events) r
       JOIN clusters c ON c.id = r.cluster_id WHERE c.name = $1 ORDER BY r.seq`,
      [name],
    )) as { id: number; seq: number; kind: string }[];
  const connection = async (name: string) =>
    (await site.h.gql('query($n: String!) { cluster(name: $n) { connection } }', { n: name })).data?.cluster
      ?.connection as string;

  it(`keeps enforcing through a ${Math.round(PARTITION_MS / 1000)} s cut, then delivers every report in order, once`, async () => {
    const before = new Map(await Promise.all(SITE.map(async (c) => [c.name, await stored(c.name)] as const)));
    const cutAt = Date.now();
    site.cut();
    await eventually(async () => (await site.leaf!.linksUp()) === 0, 10_000, 'the leaf links down');

    // Hand edits at the site while it is cut off: healed locally, reported later.
    for (const c of SITE) await kubectl(c.name, '-n', 'app', 'scale', 'deploy/web', '--replicas=4');
    for (const c of SITE)
      await eventually(async () => (await replicas(c.name)) === '1', 20_000, `${c.name}: drift healed while cut off`);
    await eventually(
      async () => (await Promise.all(SITE.map((c) => connection(c.name)))).every((s) => s === 'OFFLINE'),
      20_000,
      'the hub sees the site offline',
    );
    // A second round of edits later in the partition: several queued reports per agent.
    await new Promise((r) => setTimeout(r, Math.max(0, PARTITION_MS / 2 - (Date.now() - cutAt))));
    for (const c of SITE) await kubectl(c.name, '-n', 'app', 'scale', 'deploy/web', '--replicas=3');
    for (const c of SITE)
      await eventually(async () => (await replicas(c.name)) === '1', 20_000, `${c.name}: second drift healed`);
    // Nothing of it reached the hub.
    for (const c of SITE) expect(await stored(c.name)).toEqual(before.get(c.name));
    await new Promise((r) => setTimeout(r, Math.max(0, PARTITION_MS - (Date.now() - cutAt))));
    const cutMs = Date.now() - cutAt;

    site.restore();
    const restoredAt = Date.now();
    for (const c of SITE)
      await eventually(
        async () =>
          (await stored(c.name)).filter((r) => r.kind === 'drift').length >=
          before.get(c.name)!.filter((r) => r.kind === 'drift').length + 2,
        60_000,
        `${c.name}: the queued drift reports at the hub`,
      );
    const deliveredMs = Date.now() - restoredAt;
    await eventually(
      async () => (await Promise.all(SITE.map((c) => connection(c.name)))).every((s) => s === 'ONLINE'),
      20_000,
      'the site online again',
    );
    for (const c of SITE) {
      const rows = await stored(c.name);
      const seqs = rows.map((r) => r.seq);
      // Exactly once: no seq twice. Nothing lost: one run of seqs without a gap.
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
      // In order: within each table, rows were inserted in seq order.
      for (const kind of ['sync', 'drift']) {
        const ids = rows.filter((r) => r.kind === kind).map((r) => r.id);
        expect(ids).toEqual([...ids].sort((x, y) => x - y));
      }
      expect(rows.length - before.get(c.name)!.length).toBeGreaterThanOrEqual(2);
    }
    console.info(
      `leaf partition: cut ${Math.round(cutMs / 1000)} s, ${SITE.length} agents healed 2 drifts each meanwhile; queued reports stored ${deliveredMs} ms after the link returned, in order, once each`,
    );
  });
});

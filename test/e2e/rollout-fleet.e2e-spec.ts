/**
 * Issue 5 end to end, on real parts: 12 kube-sim clusters, each with a real agent (in this
 * process), tagged canary (1), edge-eu (5), edge-us (6); a fleet.yaml with three waves. A good
 * commit rolls out wave by wave with soak; a bad one (`:broken` image) fails the canary, is
 * reverted by a commit, and never reaches the edge; a rollout by tag touches only that tag.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit, startGitServer, type GitServer, scaled } from '@flotilla/testing';
import { startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { appFiles, clusterPaths, startSimFleet, type SimFleet } from './support/sim-fleet.js';

const FLEET = [
  { name: 'canary-1', tag: 'canary' },
  ...[1, 2, 3, 4, 5].map((i) => ({ name: `edge-eu-${i}`, tag: 'edge-eu' })),
  ...[1, 2, 3, 4, 5, 6].map((i) => ({ name: `edge-us-${i}`, tag: 'edge-us' })),
];
const FLEET_YAML = `onFailure: rollback
waves:
  - { name: canary, selector: { anyOf: [canary] }, soak: 3s, healthTimeout: 60s }
  - { name: edge-eu, selector: { anyOf: [edge-eu] }, soak: 2s, healthTimeout: 60s }
  - { name: edge-us, selector: { anyOf: [edge-us] }, healthTimeout: 60s }
`;
/** Its tests wait on a control plane, agents and git: a deadline that stretches with the load. */
const SLOW = { timeout: scaled(600_000) };

describe('fleet rollouts by tag end to end', SLOW, () => {
  let git: GitServer;
  let h: Harness;
  let dir: string;
  let fleet: SimFleet;

  const rollouts = async () =>
    (
      await h.gql(
        `{ rollouts(first: 20) { edges { node { id phase revision rollbackRevision trigger reason waves { name phase startedAt finishedAt healthyAt soakSeconds clusters { clusterName phase } } } } } }`,
      )
    ).data.rollouts.edges.map((e: any) => e.node);
  const rolloutOf = (revision: string, done: string[]) =>
    eventually(
      async () => (await rollouts()).find((r: any) => r.revision === revision && done.includes(r.phase)),
      150_000,
      `rollout of ${revision.slice(0, 8)} → ${done.join('|')}`,
    );
  const clusters = async () =>
    (
      await h.gql(`{ clusters(first: 50) { edges { node { name sync { revision appliedRevision state health } } } } }`)
    ).data.clusters.edges.map((e: any) => e.node);
  const image = async (name: string) => {
    const res = await fetch(`${fleet.sims.get(name)!.url}/apis/apps/v1/namespaces/app/deployments/web`);
    return res.ok ? ((await res.json()) as any).spec.template.spec.containers[0].image : undefined;
  };
  const head = () => runGit(['rev-parse', 'refs/heads/main'], { cwd: git.repoPath });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-rollout-'));
    git = await startGitServer();
    await git.commit({
      files: { 'fleet.yaml': FLEET_YAML, ...appFiles('nginx:1.27', 'v1'), ...clusterPaths(FLEET) },
      message: 'v1',
    });
    h = await startHarness({
      FLEET_REPO_URL: git.url,
      FLEET_POLL_INTERVAL_SECONDS: '1',
      HEARTBEAT_INTERVAL_SECONDS: '2',
    });
    fleet = await startSimFleet(h, FLEET, { dir });
  }, scaled(180_000));

  afterAll(async () => {
    await fleet?.close();
    await h?.close();
    await git?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('rolls a good commit out wave by wave, reverts a bad one at the canary, and rolls out by tag', async () => {
    const v1 = await head();
    await eventually(
      async () => {
        const cs = await clusters();
        return (
          cs.length === 12 &&
          cs.every(
            (c: any) => c.sync.appliedRevision === v1 && c.sync.state === 'SYNCED' && c.sync.health === 'HEALTHY',
          )
        );
      },
      150_000,
      'the fleet on v1',
    );

    // A good commit: canary, then edge-eu, then edge-us, each after the previous wave soaked.
    const v2 = await git.commit({ files: appFiles('nginx:1.27', 'v2'), message: 'v2' });
    const good = await rolloutOf(v2, ['SUCCEEDED']);
    expect(good.waves.map((w: any) => w.name)).toEqual(['canary', 'edge-eu', 'edge-us']);
    expect(good.waves.map((w: any) => w.clusters.length)).toEqual([1, 5, 6]);
    for (let i = 0; i < good.waves.length; i++) {
      const w = good.waves[i];
      expect(Date.parse(w.finishedAt) - Date.parse(w.healthyAt)).toBeGreaterThanOrEqual(w.soakSeconds * 1000 - 50);
      if (i > 0) expect(Date.parse(w.startedAt)).toBeGreaterThanOrEqual(Date.parse(good.waves[i - 1].finishedAt));
    }
    await eventually(
      async () => (await clusters()).every((c: any) => c.sync.appliedRevision === v2 && c.sync.health === 'HEALTHY'),
      60_000,
      'the fleet on v2',
    );

    // A bad commit: the canary never becomes available → a revert commit rolls it back.
    const bad = await git.commit({ files: appFiles('nginx:broken', 'v3'), message: 'v3 (broken)' });
    const failed = await rolloutOf(bad, ['ROLLED_BACK']);
    expect(failed.waves[0].clusters[0]).toMatchObject({ clusterName: 'canary-1' });
    expect(failed.rollbackRevision).toMatch(/^[0-9a-f]{40}$/);
    const log = await runGit(['log', '--format=%H %an %s', '-3', 'refs/heads/main'], { cwd: git.repoPath });
    expect(log.split('\n')[0]).toMatch(new RegExp(`^${failed.rollbackRevision} Flotilla `));
    await eventually(
      async () => (await image('canary-1')) === 'nginx:1.27',
      60_000,
      'the canary back on the previous image',
    );
    for (const c of FLEET.filter((f) => f.tag !== 'canary')) expect(await image(c.name)).toBe('nginx:1.27');
    const synced = await clusters();
    expect(synced.filter((c: any) => c.name !== 'canary-1').every((c: any) => c.sync.appliedRevision !== bad)).toBe(
      true,
    );

    // The revert commit is the new head: the whole fleet settles on it (the edge had nothing to undo).
    const revert = await head();
    expect(revert).toBe(failed.rollbackRevision);
    await eventually(
      async () => (await clusters()).every((c: any) => c.sync.revision === revert && c.sync.appliedRevision === revert),
      60_000,
      'the fleet on the revert commit',
    );

    // startRollout by tag: only edge-us moves to the revision asked for.
    const before = new Map((await clusters()).map((c: any) => [c.name, c.sync.revision]));
    const started = await h.gql(`mutation($i: StartRolloutInput!) { startRollout(input: $i) { id } }`, {
      i: { revision: v1, selector: { anyOf: ['edge-us'] } },
    });
    expect(started.errors).toBeUndefined();
    const id = started.data.startRollout.id as string;
    const byTag = await eventually(
      async () => (await rollouts()).find((r: any) => r.id === id && r.phase === 'SUCCEEDED'),
      120_000,
      'the rollout by tag',
    );
    expect(byTag.waves.flatMap((w: any) => w.clusters.map((c: any) => c.clusterName)).sort()).toEqual(
      FLEET.filter((c) => c.tag === 'edge-us')
        .map((c) => c.name)
        .sort(),
    );
    const after = await clusters();
    for (const c of after) {
      if (c.name.startsWith('edge-us-')) expect(c.sync.revision).toBe(v1);
      else expect(c.sync.revision).toBe(before.get(c.name));
    }

    // The control plane stopped mid-rollout resumes it on restart, no wave skipped or repeated.
    const v4 = await git.commit({ files: appFiles('nginx:1.27', 'v4'), message: 'v4' });
    await eventually(
      async () => {
        const r = (await rollouts()).find((x: any) => x.revision === v4);
        return r?.waves[0]?.phase === 'PASSED' && r.waves[1]?.phase !== 'PASSED' ? r : undefined;
      },
      60_000,
      'v4 past its canary wave',
    );
    await h.stopControlPlane();
    await h.startControlPlane();
    const resumed = await rolloutOf(v4, ['SUCCEEDED']);
    expect(resumed.waves.map((w: any) => w.phase)).toEqual(['PASSED', 'PASSED', 'PASSED']);
    for (let i = 1; i < resumed.waves.length; i++)
      expect(Date.parse(resumed.waves[i].startedAt)).toBeGreaterThanOrEqual(
        Date.parse(resumed.waves[i - 1].finishedAt),
      );
    const audit = (
      await h.gql(`{ auditLog(first: 200) { edges { node { action targetId } } } }`)
    ).data.auditLog.edges.map((e: any) => e.node);
    const ofV4 = (action: string) => audit.filter((a: any) => a.action === action && a.targetId === resumed.id).length;
    expect([ofV4('rollout.wave.start'), ofV4('rollout.wave.pass')]).toEqual([3, 3]);
  });
});

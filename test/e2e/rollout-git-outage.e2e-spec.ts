/**
 * Issue 14 end to end: the fleet repository goes away for 30 s in the middle of a wave — first as
 * a black hole (requests accepted, never answered), then answering 503 — while real agents are
 * fetching a good commit. The wave must hold (a Git host that is down is not a bad release), the
 * hub must push no revert, and the rollout must succeed once the repository is back. Real control
 * plane, real agents, real git http-backend, kube-sim clusters.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit, scaled, startGitServer, type GitServer } from '@flotilla/testing';
import { startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { appFiles, clusterPaths, fleetSettledOn, startSimFleet, type SimFleet } from './support/sim-fleet.js';

const FLEET = [
  { name: 'canary-1', tag: 'canary' },
  { name: 'edge-1', tag: 'edge' },
  { name: 'edge-2', tag: 'edge' },
];
/** Each half of the outage lasts this long: 15 s black hole, then 15 s of 503s. */
const OUTAGE_HALF_MS = 15_000;
const FLEET_YAML = `onFailure: rollback
waves:
  - { name: canary, selector: { anyOf: [canary] }, soak: 1s, healthTimeout: 180s }
  - { name: edge, selector: { anyOf: [edge] }, healthTimeout: 180s }
`;

const pollInterval = () => new Promise((resolve) => setTimeout(resolve, 500));
const NOT_HOLDING = ['PAUSED', 'ROLLING_BACK', 'ROLLED_BACK', 'ABORTED', 'SUPERSEDED'];

describe('a Git outage in the middle of a wave', { timeout: 600_000 }, () => {
  let git: GitServer;
  let h: Harness;
  let dir: string;
  let fleet: SimFleet;

  const rolloutOf = async (revision: string) =>
    (
      await h.gql(`{ rollouts(first: 20) { edges { node { phase revision reason waves { name phase } } } } }`)
    ).data.rollouts.edges
      .map((e: any) => e.node)
      .find((r: any) => r.revision === revision);
  const head = () => runGit(['rev-parse', 'main'], { cwd: git.repoPath });
  const settledOn = (revision: string, what: string) => fleetSettledOn(h, revision, what);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-git-outage-'));
    git = await startGitServer();
    await git.commit({
      files: { 'fleet.yaml': FLEET_YAML, ...appFiles('nginx:1.27', 'v1'), ...clusterPaths(FLEET) },
      message: 'v1',
    });
    h = await startHarness({
      FLEET_REPO_URL: git.url,
      FLEET_POLL_INTERVAL_SECONDS: '1',
      HEARTBEAT_INTERVAL_SECONDS: '2',
      FLEET_GIT_TIMEOUT_SECONDS: '3',
      FLEET_GIT_RETRIES: '1',
    });
    // A short Git timeout, so the black hole is noticed (and retried) several times per wave.
    fleet = await startSimFleet(h, FLEET, { dir, agent: { gitTimeoutSeconds: 3 } });
  }, 240_000);

  afterAll(async () => {
    git?.setOutage('none');
    await fleet?.close();
    await h?.close();
    await git?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds the wave, pushes no revert and succeeds once the repository is back', async () => {
    await settledOn(await head(), 'the fleet settled on v1');
    const good = await git.commit({ files: appFiles('nginx:1.28', 'v2'), message: 'v2' });
    await eventually(async () => (await rolloutOf(good))?.phase === 'RUNNING', 60_000, 'the rollout of v2 to start');

    // The repository goes away while the canary (or, if it already fetched, the edge) fetches v2.
    git.setOutage('silent');
    const seen = new Set<string>();
    /** Clusters whose agent reported Git unreachable during the outage (proof the outage was met). */
    const cutOff = new Set<string>();
    const watch = async (until: number) => {
      while (Date.now() < until) {
        const r = await rolloutOf(good);
        seen.add(`${r.phase} [${r.waves.map((w: any) => `${w.name} ${w.phase}`).join(', ')}]`);
        expect(NOT_HOLDING, `rollout during the outage: ${r.phase} (${r.reason})`).not.toContain(r.phase);
        expect(await head(), 'no revert pushed during the outage').toBe(good);
        const clusters = (
          await h.gql(`{ clusters(first: 10) { edges { node { name sync { lastResult { sourceAvailable } } } } } }`)
        ).data.clusters.edges.map((e: any) => e.node);
        for (const c of clusters) if (c.sync.lastResult?.sourceAvailable === false) cutOff.add(c.name);
        await pollInterval();
      }
    };
    await watch(Date.now() + OUTAGE_HALF_MS);
    git.setOutage('unavailable');
    await watch(Date.now() + OUTAGE_HALF_MS);
    git.setOutage('none');

    const done = await eventually(
      async () => {
        const r = await rolloutOf(good);
        return r && ['SUCCEEDED', ...NOT_HOLDING].includes(r.phase) ? r : undefined;
      },
      scaled(240_000),
      'the rollout of v2 to finish after the outage',
    );
    expect([...cutOff], 'an agent met the outage while fetching v2').not.toEqual([]);
    expect(done.phase, `${done.reason} — phases seen during the outage: ${[...seen].join(', ')}`).toBe('SUCCEEDED');
    expect(await head(), 'no revert was pushed').toBe(good);
    await settledOn(good, 'every cluster on v2');
  });
});

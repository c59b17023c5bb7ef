/**
 * Issue 14 end to end: a `:broken` image pushed again and again while every kube-sim delivers its
 * watch events late (a random 0..lag ms per event) must stop at the canary every time — 0 escapes,
 * checked with kubectl on every cluster and by recording every write each edge cluster stores —
 * and every rollout ends ROLLED_BACK. Real control plane, real agents, real git http-backend.
 * Always on: one round at each of 0, 250 and 500 ms. The issue's full run (20 rounds, lags spread
 * from 0 to 500 ms): E2E_LAG_ROUNDS=20.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit, startGitServer, type GitServer } from '@flotilla/testing';
import { startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { ensureKubectl } from '../../scripts/setup-kubectl.mjs';
import { appFiles, clusterPaths, fleetSettledOn, startSimFleet, type SimFleet } from './support/sim-fleet.js';

const FLEET = [
  { name: 'canary-1', tag: 'canary' },
  { name: 'edge-1', tag: 'edge' },
  { name: 'edge-2', tag: 'edge' },
];
const FLEET_YAML = `onFailure: rollback
waves:
  - { name: canary, selector: { anyOf: [canary] }, soak: 2s, healthTimeout: 60s }
  - { name: edge, selector: { anyOf: [edge] }, healthTimeout: 60s }
`;
const ROUNDS = Number(process.env['E2E_LAG_ROUNDS'] ?? 3);
const MAX_LAG_MS = 500;
const lagOf = (round: number) => (ROUNDS <= 1 ? 0 : Math.round((MAX_LAG_MS * round) / (ROUNDS - 1)));
const run = promisify(execFile);

describe('rollouts under watch lag end to end', { timeout: 900_000 }, () => {
  let git: GitServer;
  let h: Harness;
  let dir: string;
  let fleet: SimFleet;
  /** Every `:broken` image an edge cluster ever stored (cluster name → count). */
  const escapes = new Map<string, number>();

  const kubectlImage = async (name: string) =>
    (
      await run(ensureKubectl(), [
        '--kubeconfig',
        fleet.sims.get(name)!.kubeconfigPath,
        '--cache-dir',
        join(dir, 'kube-cache', name),
        '-n',
        'app',
        'get',
        'deploy/web',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image}',
      ])
    ).stdout;
  const rolloutOf = (revision: string) =>
    eventually(
      async () =>
        (
          await h.gql(`{ rollouts(first: 50) { edges { node { id phase revision reason rollbackRevision } } } }`)
        ).data.rollouts.edges
          .map((e: any) => e.node)
          .find((r: any) => r.revision === revision && ['ROLLED_BACK', 'SUCCEEDED', 'PAUSED'].includes(r.phase)),
      180_000,
      `rollout of ${revision.slice(0, 8)} to finish`,
    );
  const settledOn = (revision: string) =>
    fleetSettledOn(h, revision, `the fleet settled on ${revision.slice(0, 8)}`, 120_000);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-lag-'));
    git = await startGitServer();
    await runGit(['config', 'http.receivepack', 'true'], { cwd: git.repoPath });
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
    for (const c of FLEET)
      if (c.tag === 'edge')
        fleet.sims.get(c.name)!.api.store.subscribe((e) => {
          const image = e.obj?.spec?.template?.spec?.containers?.[0]?.image;
          if (e.type !== 'DELETED' && typeof image === 'string' && image.endsWith(':broken'))
            escapes.set(c.name, (escapes.get(c.name) ?? 0) + 1);
        });
  }, 240_000);

  afterAll(async () => {
    await fleet?.close();
    await h?.close();
    await git?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`stops a broken image at the canary in each of ${ROUNDS} rounds at watch lags 0..${MAX_LAG_MS} ms`, async () => {
    await settledOn(await runGit(['rev-parse', 'main'], { cwd: git.repoPath }));
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const lag = lagOf(round);
      for (const sim of fleet.sims.values()) sim.setWatchLag(lag);
      const bad = await git.commit({ files: appFiles('nginx:broken', `round ${round}`), message: `broken ${round}` });
      const r = await rolloutOf(bad);
      outcomes.push(`round ${round} lag ${lag} ms: ${r.phase}${r.phase === 'ROLLED_BACK' ? '' : ` (${r.reason})`}`);
      expect(r.phase, outcomes.join('\n')).toBe('ROLLED_BACK');
      await settledOn(r.rollbackRevision);
      for (const c of FLEET) expect(await kubectlImage(c.name), `${c.name} after round ${round}`).toBe('nginx:1.27');
      expect(Object.fromEntries(escapes), `escapes after round ${round}`).toEqual({});
    }
  });
});

// Issue 14: a temporary Git error must not roll back a good commit. While the canary's agent
// cannot reach the fleet repository it reports SOURCE_UNAVAILABLE (retryable) over and over: the
// wave holds for 30 s, no revert is pushed, and once Git answers again the rollout succeeds.
import { runGit } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/agent.js';
import { deployment, startRolloutFleet, type RolloutFleet } from './support/rollout-fleet.js';

const FLEET = `onFailure: rollback
healthTimeout: 60s
waves:
  - name: canary
    selector: { allOf: [canary] }
  - name: rest
    rest: true
`;
const ROLLOUT = `query($id: ID!) { rollout(id: $id) { phase reason rollbackRevision waves { name phase clusters { clusterName phase } } } }`;
const ROLLOUTS = `query($rev: String) { rollouts(filter: { revision: $rev }) { edges { node { id } } } }`;

describe('a fleet repository outage during a wave', () => {
  let fleet: RolloutFleet;
  beforeAll(async () => {
    fleet = await startRolloutFleet({
      fleetYaml: FLEET,
      clusters: [
        ['can', ['canary']],
        ['e1', ['edge']],
      ],
    });
  }, 90_000);
  afterAll(() => fleet?.close());

  it('holds the wave, pushes no revert, and succeeds once the repository is back', { timeout: 180_000 }, async () => {
    const { git, h, agents, outage } = fleet;
    const can = agents.get('can')!;
    outage.down = true;
    const rev = await git.commit({ files: { 'bases/web/deploy.yaml': deployment('web:2.0') }, message: 'web 2.0' });
    const id = await eventually(
      async () => (await h.gql(ROLLOUTS, { rev })).data?.rollouts.edges[0]?.node.id as string | undefined,
      20_000,
      'the rollout',
    );
    // Git unreachable for 30 s, many retryable failures over many engine ticks: before issue 14
    // the first one rolled the good commit back.
    const downSince = Date.now();
    await eventually(
      async () => can.unavailableReports >= 10 && Date.now() - downSince >= 30_000,
      90_000,
      '30 s of SOURCE_UNAVAILABLE reports',
    );
    const held = (await h.gql(ROLLOUT, { id })).data.rollout;
    expect(held).toMatchObject({ phase: 'RUNNING', rollbackRevision: null });
    expect(held.waves[0]).toMatchObject({ name: 'canary', phase: 'PROGRESSING' });
    expect(held.waves[0].clusters[0]).toMatchObject({ clusterName: 'can', phase: 'UPDATING' });
    expect(agents.get('e1')!.received).not.toContain(rev);
    outage.down = false;
    const done = await eventually(
      async () => {
        const r = (await h.gql(ROLLOUT, { id })).data.rollout;
        return ['SUCCEEDED', 'ROLLED_BACK', 'PAUSED'].includes(r.phase) && r;
      },
      60_000,
      'the rollout to finish',
    );
    expect(done.phase, done.reason).toBe('SUCCEEDED');
    expect(agents.get('e1')!.received.at(-1)).toBe(rev);
    expect(await runGit(['log', '--format=%s', 'main'], { cwd: git.repoPath })).not.toMatch(/^Revert/m);
  });
});

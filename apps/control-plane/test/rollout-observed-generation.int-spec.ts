// Issue 14, the hub's half of the health rule: a Healthy report counts at a revision only when every
// object it judged had been observed by its controller at the generation the pass wrote
// (status.observedGeneration ≥ metadata.generation, as kstatus requires). A report judged earlier —
// an agent that looked too soon — holds the wave; the next, caught-up report lets it pass.
import { scaled } from '@flotilla/testing';
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
const ROLLOUT = `query($id: ID!) { rollout(id: $id) { phase reason waves { name phase clusters { clusterName phase } } } }`;
const ROLLOUTS = `query($rev: String) { rollouts(filter: { revision: $rev }) { edges { node { id } } } }`;
const LAST_RESULT = `{ clusters(first: 10) { edges { node { name sync { lastResult { revision health } } } } } }`;
/** How long the held wave is watched for a wrong pass (a window: the engine re-evaluates every report and tick). */
const WATCH_MS = 3_000;

describe('the hub accepts Healthy only at the observed generation', () => {
  let fleet: RolloutFleet;
  beforeAll(async () => {
    fleet = await startRolloutFleet({
      fleetYaml: FLEET,
      clusters: [
        ['can', ['canary']],
        ['e1', ['edge']],
      ],
    });
  }, scaled(90_000));
  afterAll(() => fleet?.close());

  it('holds the wave on a report judged before the controller observed the write', { timeout: 180_000 }, async () => {
    const { git, h, agents, judgedEarly } = fleet;
    const can = agents.get('can')!;
    const rev = await git.commit({ files: { 'bases/web/deploy.yaml': deployment('web:2.0') }, message: 'web 2.0' });
    judgedEarly.add(rev);
    const id = await eventually(
      async () => (await h.gql(ROLLOUTS, { rev })).data?.rollouts.edges[0]?.node.id as string | undefined,
      20_000,
      'the rollout',
    );
    await eventually(
      async () =>
        (await h.gql(LAST_RESULT)).data.clusters.edges.some(
          (e: any) =>
            e.node.name === 'can' &&
            e.node.sync.lastResult?.revision === rev &&
            e.node.sync.lastResult.health === 'HEALTHY',
        ),
      30_000,
      "the canary's early Healthy report stored",
    );
    const until = Date.now() + WATCH_MS;
    while (Date.now() < until) {
      const held = (await h.gql(ROLLOUT, { id })).data.rollout;
      expect(held.phase).toBe('RUNNING');
      expect(held.waves[0]).toMatchObject({ name: 'canary', phase: 'PROGRESSING' });
      expect(agents.get('e1')!.received).not.toContain(rev);
      await new Promise((resolve) => setTimeout(resolve, 250)); // polling interval of the watch
    }
    // The agent's next pass sees the controller caught up.
    judgedEarly.delete(rev);
    await can.report(rev);
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
  });
});

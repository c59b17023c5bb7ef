import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/agent.js';
import {
  deployment,
  rolloutAudit,
  ROLLOUT_QUERY,
  ROLLOUTS_QUERY,
  startRolloutFleet,
  type RolloutFleet,
} from './support/rollout-fleet.js';
import { scaled } from '@flotilla/testing';
import { spawnControlPlane } from './support/control-plane-process.js';

const FLEET = `waves:
  - name: canary
    selector: { allOf: [canary] }
    soak: 3s
  - name: edge
    rest: true
    soak: 1s
`;
/** Its tests wait on a control plane, agents and git: a deadline that stretches with the load. */
const SLOW = { timeout: scaled(90_000) };

describe('a control plane process killed (SIGKILL) mid-rollout', SLOW, () => {
  let f: RolloutFleet;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    f = await startRolloutFleet({
      fleetYaml: FLEET,
      clusters: [
        ['can', ['canary']],
        ['eu-1', ['edge-eu']],
        ['us-1', ['edge-us']],
      ],
    });
  }, scaled(60_000));
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await f?.close();
  });

  it('resumes on restart from PostgreSQL without skipping or repeating a wave', async () => {
    await f.h.stopControlPlane();
    const spawned = await spawnControlPlane(f.h);
    child = spawned.child;
    const gql = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(`${spawned.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${f.h.config.ADMIN_TOKEN}` },
        body: JSON.stringify({ query, variables }),
      });
      return ((await res.json()) as { data: any }).data;
    };
    const rev = await f.git.commit({ files: { 'bases/web/deploy.yaml': deployment('web:9.0') }, message: 'web 9.0' });
    const { id } = await eventually(
      async () => (await gql(ROLLOUTS_QUERY, { rev }))?.rollouts.edges[0]?.node as { id: string } | undefined,
      10_000,
      'rollout',
    );
    await eventually(
      async () => (await gql(ROLLOUT_QUERY, { id }))?.rollout.waves[0].phase === 'SOAKING',
      15_000,
      'canary soaking',
    );
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(f.agents.get('eu-1')!.received).not.toContain(rev);
    await f.h.startControlPlane();
    await eventually(
      async () => (await f.h.gql(ROLLOUT_QUERY, { id })).data.rollout.phase === 'SUCCEEDED',
      30_000,
      'rollout succeeded after restart',
    );
    const actions = (await rolloutAudit(f.h, id)).map((e) => `${e.action}:${String(e.details['wave'] ?? '')}`);
    expect(actions).toEqual([
      'rollout.start:',
      'rollout.wave.start:canary',
      'rollout.wave.pass:canary',
      'rollout.wave.start:edge',
      'rollout.wave.pass:edge',
      'rollout.succeed:',
    ]);
    for (const a of f.agents.values()) expect(a.received.at(-1)).toBe(rev);
  });
});

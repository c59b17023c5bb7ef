import { commitFiles, runGit, type GitServer, scaled } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/agent.js';
import type { FakeFleetAgent } from './support/fake-fleet-agent.js';
import type { Harness } from './support/harness.js';
import { deployment, startRolloutFleet, type RolloutFleet } from './support/rollout-fleet.js';

const FLEET = `onFailure: rollback
healthTimeout: 20s
waves:
  - name: canary
    selector: { allOf: [canary] }
    soak: 2s
  - name: edge-eu
    selector: { anyOf: [edge-eu] }
    soak: 1s
  - name: rest
    rest: true
`;
const CLUSTERS = [
  ['can', ['canary']],
  ['eu-1', ['edge-eu']],
  ['eu-2', ['edge-eu']],
  ['us-1', ['edge-us']],
] as const;
const ROLLOUT = `query($id: ID!) { rollout(id: $id) { id revision phase reason rollbackRevision failedClusterIds
  waves { name phase startedAt healthyAt finishedAt soakSeconds clusters { clusterId clusterName phase pinnedAt rollbackPhase } } } }`;
const ROLLOUTS = `query($rev: String) { rollouts(filter: { revision: $rev }) { edges { node { id revision phase trigger reason policyError { file line reason } } } } }`;
const AUDIT = `{ auditLog(first: 200) { edges { node { action targetId actorName details } } } }`;

interface Wave {
  name: string;
  phase: string;
  startedAt: string | null;
  healthyAt: string | null;
  finishedAt: string | null;
  clusters: { clusterName: string; pinnedAt: string | null; phase: string; rollbackPhase: string | null }[];
}

/** Its tests wait on a control plane, agents and git: a deadline that stretches with the load. */
const SLOW = { timeout: scaled(60_000) };

describe('rollout engine with fake agents (real Postgres, nats-server, git http-backend)', SLOW, () => {
  let fleet: RolloutFleet;
  let git: GitServer;
  let h: Harness;
  let agents: Map<string, FakeFleetAgent>;
  let bad: Set<string>;
  const head = () => runGit(['rev-parse', 'main'], { cwd: git.repoPath });

  beforeAll(async () => {
    fleet = await startRolloutFleet({
      fleetYaml: FLEET,
      clusters: CLUSTERS,
      delayMs: 150,
      clusterFiles: (name) => ({
        [`clusters/${name}/kustomization.yaml`]: 'resources: [../../bases/web, cm.yaml]\n',
        [`clusters/${name}/cm.yaml`]: `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: own, namespace: web }\ndata: { v: "1" }\n`,
      }),
    });
    ({ git, h, agents, bad } = fleet);
  }, scaled(60_000));
  afterAll(() => fleet?.close());

  const rolloutOf = async (revision: string) =>
    eventually(
      async () =>
        (await h.gql(ROLLOUTS, { rev: revision })).data?.rollouts.edges[0]?.node as
          { id: string; phase: string; trigger: string } | undefined,
      10_000,
      `rollout of ${revision}`,
    );
  const finished = (id: string, phases: string[], ms = 30_000) =>
    eventually(
      async () => {
        const r = (await h.gql(ROLLOUT, { id })).data?.rollout as
          { phase: string; waves: Wave[]; rollbackRevision: string | null; reason: string | null } | undefined;
        return r && phases.includes(r.phase) && r;
      },
      ms,
      `rollout ${id} to reach ${phases.join('/')}`,
    );
  const t = (s: string | null) => (s ? Date.parse(s) : NaN);

  it('rolls a good commit out wave by wave, respecting the soak, and the whole fleet converges', async () => {
    const rev = await git.commit({ files: { 'bases/web/deploy.yaml': deployment('web:1.1') }, message: 'web 1.1' });
    const { id, trigger } = await rolloutOf(rev);
    expect(trigger).toBe('COMMIT');
    const r = await finished(id, ['SUCCEEDED']);
    expect(r.waves.map((w) => [w.name, w.phase, w.clusters.map((c) => c.clusterName)])).toEqual([
      ['canary', 'PASSED', ['can']],
      ['edge-eu', 'PASSED', ['eu-1', 'eu-2']],
      ['rest', 'PASSED', ['us-1']],
    ]);
    const [canary, eu, rest] = r.waves as [Wave, Wave, Wave];
    expect(t(canary.finishedAt) - t(canary.healthyAt)).toBeGreaterThanOrEqual(2000);
    expect(t(eu.finishedAt) - t(eu.healthyAt)).toBeGreaterThanOrEqual(1000);
    expect(t(eu.startedAt)).toBeGreaterThanOrEqual(t(canary.finishedAt));
    expect(t(rest.startedAt)).toBeGreaterThanOrEqual(t(eu.finishedAt));
    for (const w of r.waves) for (const c of w.clusters) expect(t(c.pinnedAt)).toBeGreaterThanOrEqual(t(w.startedAt));
    for (const a of agents.values()) expect(a.received.at(-1)).toBe(rev);
    const audit = ((await h.gql(AUDIT)).data.auditLog.edges as { node: { action: string; targetId: string } }[])
      .filter((e) => e.node.targetId === id)
      .map((e) => e.node.action)
      .reverse();
    expect(audit).toEqual([
      'rollout.start',
      'rollout.wave.start',
      'rollout.wave.pass',
      'rollout.wave.start',
      'rollout.wave.pass',
      'rollout.wave.start',
      'rollout.wave.pass',
      'rollout.succeed',
    ]);
  });

  it('moves clusters whose render a commit does not change straight to it, outside the waves', async () => {
    const before = Object.fromEntries([...agents].map(([n, a]) => [n, a.received.length]));
    const rev = await git.commit({
      files: {
        'clusters/us-1/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: own, namespace: web }\ndata: { v: "2" }\n`,
      },
      message: 'us-1 only',
    });
    const { id } = await rolloutOf(rev);
    const r = await finished(id, ['SUCCEEDED']);
    expect(r.waves.map((w) => [w.name, w.clusters.map((c) => c.clusterName)])).toEqual([['rest', ['us-1']]]);
    for (const [n, a] of agents) {
      await eventually(async () => a.received.at(-1) === rev, 5000, `${n} on ${rev}`);
      expect(a.received.length).toBe((before[n] ?? 0) + 1);
    }
  });

  it('a bad commit fails the canary, is reverted by a commit in git log, the canary goes back and no other wave ever gets it', async () => {
    const rev = await git.commit({
      files: { 'bases/web/deploy.yaml': deployment('web:broken') },
      message: 'web broken',
    });
    bad.add(rev);
    const { id } = await rolloutOf(rev);
    const r = await finished(id, ['ROLLED_BACK']);
    expect(r.reason).toContain('wave canary failed');
    const revert = r.rollbackRevision!;
    expect(revert).toMatch(/^[0-9a-f]{40}$/);
    const log = await runGit(['log', '--format=%H|%an|%s|%P', '-n', '2', 'main'], { cwd: git.repoPath });
    const [top] = log.split('\n');
    expect(top).toBe(`${revert}|Flotilla|Revert ${rev.slice(0, 12)}: rollback of rollout ${id}|${rev}`);
    expect(await runGit(['log', '-1', '--format=%B', revert], { cwd: git.repoPath })).toContain(
      `Failing clusters: ${agents.get('can')!.clusterId}`,
    );
    expect(await runGit(['show', `${revert}:bases/web/deploy.yaml`], { cwd: git.repoPath })).toBe(
      deployment('web:1.1').trim(),
    );
    expect(r.waves[0]?.clusters[0]?.rollbackPhase).toBe('SUCCEEDED');
    expect(agents.get('can')!.received.slice(-2)).toEqual([rev, revert]);
    for (const n of ['eu-1', 'eu-2', 'us-1']) {
      expect(agents.get(n)!.received).not.toContain(rev);
      await eventually(async () => agents.get(n)!.received.at(-1) === revert, 8000, `${n} on the revert`);
    }
    expect(await head()).toBe(revert);
  });

  it('rolls back a push of several commits as a whole, not only its last commit', async () => {
    // Both commits reach main in one ref update, as one push does: the poller sees only the second.
    await runGit(['update-ref', 'refs/heads/push', 'main'], { cwd: git.repoPath });
    await commitFiles(git.repoPath, {
      branch: 'push',
      files: { 'bases/web/deploy.yaml': deployment('web:broken-again') },
      message: 'break it',
    });
    const rev = await commitFiles(git.repoPath, {
      branch: 'push',
      files: { 'NOTES.md': 'unrelated\n' },
      message: 'notes',
    });
    bad.add(rev);
    await runGit(['update-ref', 'refs/heads/main', rev], { cwd: git.repoPath });
    const { id } = await rolloutOf(rev);
    const r = await finished(id, ['ROLLED_BACK']);
    const revert = r.rollbackRevision!;
    expect(await runGit(['show', `${revert}:bases/web/deploy.yaml`], { cwd: git.repoPath })).toBe(
      deployment('web:1.1').trim(),
    );
    expect(await runGit(['ls-tree', '--name-only', revert, 'NOTES.md'], { cwd: git.repoPath })).toBe('');
  });

  it('an invalid fleet.yaml starts nothing and shows file, line and reason', async () => {
    const rev = await git.commit({
      files: { 'fleet.yaml': `${FLEET}    soak: never\n`, 'bases/web/deploy.yaml': deployment('web:1.2') },
      message: 'bad policy',
    });
    const { id, phase } = await eventually(
      async () => {
        const n = (await h.gql(ROLLOUTS, { rev })).data?.rollouts.edges[0]?.node;
        return n?.phase === 'REJECTED' && n;
      },
      10_000,
      'rejected rollout',
    );
    expect(phase).toBe('REJECTED');
    const node = (await h.gql(ROLLOUTS, { rev })).data.rollouts.edges[0].node;
    expect(node.policyError).toEqual({
      file: 'fleet.yaml',
      line: 12,
      reason: 'waves.2.soak: "never" is not a duration (e.g. 30s, 5m, 1h30m)',
    });
    const audit = (await h.gql(AUDIT)).data.auditLog.edges.find(
      (e: { node: { targetId: string } }) => e.node.targetId === id,
    )?.node;
    expect(audit).toMatchObject({
      action: 'rollout.reject',
      details: { revision: rev, error: { file: 'fleet.yaml', line: 12 } },
    });
    for (const a of agents.values()) expect(a.received).not.toContain(rev);
  });
});

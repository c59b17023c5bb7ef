import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../control-plane/test/support/agent.js';
import { ADMIN_TOKEN } from '../../control-plane/test/support/harness.js';
import { driftReport } from '../../control-plane/test/support/reports.js';
import { deployment, startRolloutFleet, type RolloutFleet } from '../../control-plane/test/support/rollout-fleet.js';
import { cliRunner, type CliRunner } from './support/run-cli.js';
import { scaled } from '@flotilla/testing';

const FLEET = `onFailure: pause
waves:
  - name: canary
    selector: { allOf: [canary] }
    soak: 1s
  - name: edge
    selector: { anyOf: [edge-eu, edge-us] }
    soak: 1s
`;
const CLUSTERS = [
  ['can', ['canary']],
  ['eu-1', ['edge-eu']],
  ['us-1', ['edge-us']],
] as const;

describe('flotilla rollout and drift commands', () => {
  let f: RolloutFleet;
  let cli: CliRunner;
  beforeAll(async () => {
    f = await startRolloutFleet({ fleetYaml: FLEET, clusters: CLUSTERS, delayMs: 300 });
    cli = cliRunner({ FLOTILLA_SERVER: f.h.cp.url, FLOTILLA_TOKEN: ADMIN_TOKEN });
  }, scaled(90_000));
  afterAll(async () => {
    await f?.close();
    cli?.close();
  });

  const latestRolloutOf = (rev: string) =>
    eventually(
      async () =>
        (
          await f.h.gql(
            'query($rev: String) { rollouts(filter: { revision: $rev }) { edges { node { id phase } } } }',
            { rev },
          )
        ).data?.rollouts.edges[0]?.node as { id: string; phase: string } | undefined,
      10_000,
      `rollout of ${rev}`,
    );

  it('follows a rollout with --watch to the end, one progress bar per wave', { timeout: scaled(90_000) }, async () => {
    const rev = await f.git.commit({ files: { 'bases/web/deploy.yaml': deployment('web:2.0') }, message: 'web 2.0' });
    const { id } = await latestRolloutOf(rev);
    // Held paused until the watch has drawn it, so the live frames are seen change.
    expect(
      (await f.h.gql('mutation($id: ID!) { pauseRollout(id: $id) { phase } }', { id })).data?.pauseRollout.phase,
    ).toBe('PAUSED');
    let resumed: Promise<unknown> | undefined;
    const watched = await cli.run(['rollout', 'status', id, '--watch'], {
      timeoutMs: 60_000,
      onStdout: (out) => {
        if (!resumed && out.includes('PAUSED'))
          resumed = f.h.gql('mutation($id: ID!) { resumeRollout(id: $id) { phase } }', { id });
      },
    });
    await resumed;
    expect(watched.code, watched.stderr).toBe(0);
    const frames = watched.stdout.trim().split('\n\n');
    const last = frames.at(-1)!;
    expect(last).toContain(`Rollout ${id}  revision ${rev.slice(0, 12)}  SUCCEEDED`);
    expect(last).toMatch(/^ {2}canary\s+\[#{20}\]\s+1\/1 {2}PASSED$/m);
    expect(last).toMatch(/^ {2}edge\s+\[#{20}\]\s+2\/2 {2}PASSED$/m);
    expect(frames[0]).toContain(`Rollout ${id}  revision ${rev.slice(0, 12)}  PAUSED`);
    expect(frames.some((fr) => fr.includes('  RUNNING  '))).toBe(true);
    expect(frames.length).toBeGreaterThanOrEqual(3);

    const [latest, listed] = await Promise.all([
      cli.run(['rollout', 'status', '--json']),
      cli.run(['rollout', 'list']),
    ]);
    expect(JSON.parse(latest.stdout)).toMatchObject({ id, phase: 'SUCCEEDED', revision: rev });
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+${rev.slice(0, 12)}\\s+SUCCEEDED\\s+3/3\\s+COMMIT`, 'm'));
  });

  it(
    'starts a rollout by tag, pauses and resumes it, and --watch exits 0 when it succeeds',
    { timeout: scaled(90_000) },
    async () => {
      await eventually(
        async () =>
          (await f.h.gql('{ rollouts(filter: { phase: "RUNNING" }) { edges { node { id } } } }')).data.rollouts.edges
            .length === 0,
        20_000,
        'no running rollout',
      );
      const rev = await f.git.commit({
        files: {
          'clusters/us-1/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra, namespace: web }\n',
        },
        message: 'us extra',
      });
      const auto = await latestRolloutOf(rev);
      await eventually(
        async () =>
          (await f.h.gql('query($id: ID!) { rollout(id: $id) { phase } }', { id: auto.id })).data.rollout.phase ===
          'SUCCEEDED',
        20_000,
        'auto rollout done',
      );
      const next = await f.git.commit({
        files: { 'bases/web/deploy.yaml': deployment('web:3.0') },
        message: 'web 3.0',
      });
      const commitRollout = await latestRolloutOf(next);
      const aborted = await cli.run(['rollout', 'abort', commitRollout.id]);
      expect(aborted.code, aborted.stderr).toBe(0);
      expect(aborted.stdout).toContain(`Aborted rollout ${commitRollout.id}.`);

      const started = await cli.run([
        'rollout',
        'start',
        '--tag',
        'edge-us',
        '--revision',
        next,
        '--on-failure',
        'pause',
        '--json',
      ]);
      expect(started.code, started.stderr).toBe(0);
      const r = JSON.parse(started.stdout) as {
        id: string;
        trigger: string;
        waves: { clusters: { clusterName: string }[] }[];
      };
      expect(r.trigger).toBe('MANUAL');
      expect(r.waves.flatMap((w) => w.clusters.map((c) => c.clusterName))).toEqual(['us-1']);
      const paused = await cli.run(['rollout', 'pause', r.id]);
      if (paused.code === 0) {
        expect(paused.stdout).toContain('PAUSED');
        const resumed = await cli.run(['rollout', 'resume', r.id]);
        expect(resumed.code, resumed.stderr).toBe(0);
      } else {
        // it may already have finished: pausing a finished rollout is a conflict (exit 1)
        expect(paused.code).toBe(1);
        expect(paused.stderr).toMatch(/cannot pause a rollout that is/);
      }
      const watched = await cli.run(['rollout', 'status', r.id, '--watch'], { timeoutMs: 60_000 });
      expect(watched.code, watched.stderr).toBe(0);
      expect(watched.stdout.trim().split('\n\n').at(-1)).toContain('SUCCEEDED');
      expect(f.agents.get('us-1')!.received.at(-1)).toBe(next);
    },
  );

  it(
    'exits with clear errors for a bad revision, an unknown rollout and a viewer token',
    { timeout: scaled(60_000) },
    async () => {
      const viewer = (await f.h.gql('mutation { createApiToken(input: { name: "v", role: VIEWER }) { token } }')).data
        .createApiToken.token as string;
      const [bad, unknown, denied, noTags] = await Promise.all([
        cli.run(['rollout', 'start', '--tag', 'canary', '--revision', 'abc']),
        cli.run(['rollout', 'status', '00000000-0000-4000-8000-000000000000']),
        cli.run(['rollout', 'pause', '00000000-0000-4000-8000-000000000000'], { env: { FLOTILLA_TOKEN: viewer } }),
        cli.run(['rollout', 'start', '--revision', 'abc']),
      ]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('revision');
      expect(unknown.code).toBe(4);
      expect(denied.code).toBe(3);
      expect(noTags.code).toBe(2);
      expect(noTags.stderr).toContain('give at least one --tag or --any-tag');
      const watchDenied = await cli.run(['rollout', 'status', '00000000-0000-4000-8000-000000000000', '--watch'], {
        env: { FLOTILLA_TOKEN: 'wrong' },
      });
      expect(watchDenied.code).toBe(3);
    },
  );

  it('lists drift events, filtered by cluster and resolution', { timeout: scaled(60_000) }, async () => {
    const can = f.agents.get('can')!;
    const eu = f.agents.get('eu-1')!;
    const head = can.received.at(-1)!;
    await can.agent.report(
      'drift',
      driftReport(can.clusterId, 9001, head, {
        object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'web' },
        managers: ['kubectl-scale'],
      }),
    );
    await eu.agent.report(
      'drift',
      driftReport(eu.clusterId, 9002, head, {
        resolution: 'reported',
        revertedAt: undefined,
        revertLatencyMs: undefined,
        fields: ['data.key'],
        object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'cfg' },
      }),
    );
    await eventually(
      async () => (await f.h.gql('{ driftEvents { edges { node { id } } } }')).data.driftEvents.edges.length >= 2,
      10_000,
      'two drift events',
    );
    const [all, onlyCan, reported, json] = await Promise.all([
      cli.run(['drift', 'list']),
      cli.run(['drift', 'list', '--cluster', 'can']),
      cli.run(['drift', 'list', '--resolution', 'reported', '--since', '1h']),
      cli.run(['drift', 'list', '--json']),
    ]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.split('\n')[0]).toMatch(/^DETECTED\s+CLUSTER\s+OBJECT\s+FIELDS\s+BY\s+RESOLUTION$/);
    expect(all.stdout).toMatch(/can\s+Deployment\/web\/web\s+spec\.replicas\s+kubectl-scale\s+REVERTED in 40ms/);
    expect(all.stdout).toMatch(/eu-1\s+ConfigMap\/web\/cfg\s+data\.key\s+kubectl-scale\s+REPORTED/);
    expect(onlyCan.stdout).not.toContain('eu-1');
    expect(reported.stdout).toContain('ConfigMap/web/cfg');
    expect(reported.stdout).not.toContain('Deployment/web/web');
    expect(JSON.parse(json.stdout).driftEvents).toHaveLength(2);
    const missing = await cli.run(['drift', 'list', '--cluster', 'nowhere']);
    expect(missing.code).toBe(4);
  });

  it(
    "shows each cluster's sync state, health and revisions from its reports",
    { timeout: scaled(60_000) },
    async () => {
      const rev = f.agents.get('can')!.received.at(-1)!;
      await eventually(
        async () =>
          (await f.h.gql('{ cluster(name: "can") { sync { state appliedRevision } } }')).data.cluster.sync
            .appliedRevision === rev,
        10_000,
        'can synced',
      );
      // Its only heartbeat was at the start of this file, which a busy machine can take minutes to reach.
      await f.agents.get('can')!.agent.heartbeat();
      await eventually(
        async () => (await f.h.gql('{ cluster(name: "can") { connection } }')).data.cluster.connection === 'ONLINE',
        10_000,
        'can online',
      );
      const [shown, listed] = await Promise.all([
        cli.run(['clusters', 'show', 'can']),
        cli.run(['clusters', 'list', '--tag', 'canary']),
      ]);
      expect(shown.stdout).toMatch(
        new RegExp(`^Sync:\\s+SYNCED \\(desired ${rev.slice(0, 12)}, running ${rev.slice(0, 12)}\\)$`, 'm'),
      );
      expect(shown.stdout).toMatch(/^Health:\s+HEALTHY$/m);
      expect(shown.stdout).toMatch(/^Path:\s+clusters\/can on main \(prune on, self-heal on\)$/m);
      expect(shown.stdout).toMatch(/^Last sync:\s+SYNCED \S+ ago in 0ms$/m);
      expect(listed.stdout).toMatch(
        new RegExp(`^can\\s+ONLINE\\s+SYNCED\\s+HEALTHY\\s+${rev.slice(0, 12)}\\s+canary`, 'm'),
      );
    },
  );
});

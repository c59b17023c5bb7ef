/**
 * Issue 16 part 2 end to end, on real parts: a Helm chart in the fleet repository (values per
 * cluster) and one served by a local HTTP chart repository, hydrated on the hub into
 * `flotilla/rendered` with real git pushes, applied by real agents to kube-sim clusters (which have
 * no helm and no chart repository), rolled out in waves; a bad image is rolled back by a revert
 * commit (hydrated like any other); a chart that fails to render is REJECTED and nothing moves.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit, startGitServer, type GitServer, scaled } from '@flotilla/testing';
import { startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import {
  type ChartRepo,
  HELM_FIXTURES,
  helmPath,
  startChartRepo,
} from '../../apps/control-plane/test/helm/helm-fixtures.js';
import { startSimFleet, type SimFleet } from './support/sim-fleet.js';

const FLEET = [{ name: 'canary-1', tag: 'canary' }, ...[1, 2, 3].map((i) => ({ name: `edge-${i}`, tag: 'edge' }))];
const FLEET_YAML = `onFailure: rollback
waves:
  - { name: canary, selector: { anyOf: [canary] }, soak: 1s, healthTimeout: 60s }
  - { name: edge, selector: { anyOf: [edge] }, healthTimeout: 60s }
`;
const RENDERED = 'flotilla/rendered';
const SLOW = { timeout: scaled(600_000) };

/** The in-repo chart `web`: a Namespace, a ConfigMap saying `message`, a Deployment of `image`. */
const CHART = {
  'bases/app/charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'bases/app/charts/web/values.yaml': 'image: nginx:1.27\nmessage: hello\n',
  'bases/app/charts/web/templates/app.yaml': `apiVersion: v1
kind: Namespace
metadata: { name: app }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: app }
data: { message: {{ .Values.message | quote }} }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: app }
spec:
  replicas: 1
  progressDeadlineSeconds: 600
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: {{ .Values.image | quote }} }] }
`,
};

const base = (repo: string, extraInline = '') => `namespace: app
helmCharts:
  - name: web
    releaseName: web
    valuesInline:
      message: "\${cluster.name} in \${cluster.region}"
${extraInline}    additionalValuesFiles: [image.yaml]
  - name: greeter
    repo: ${repo}
    version: 0.2.0
    releaseName: hi
    valuesInline:
      target: \${cluster.tag.tier}
`;

describe('Helm charts hydrated on the hub, applied by real agents, in waves, rolled back', SLOW, () => {
  let git: GitServer;
  let repo: ChartRepo;
  let h: Harness;
  let dir: string;
  let fleet: SimFleet;

  const rollouts = async () =>
    (
      await h.gql(
        `{ rollouts(first: 20) { edges { node { id phase revision rollbackRevision reason waves { name clusters { clusterName } } } } } }`,
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
  const get = async (name: string, path: string) => {
    const res = await fetch(`${fleet.sims.get(name)!.url}${path}`);
    return res.ok ? ((await res.json()) as any) : undefined;
  };
  const image = async (name: string) =>
    (await get(name, '/apis/apps/v1/namespaces/app/deployments/web'))?.spec.template.spec.containers[0].image;
  const fleetOn = (rev: string, what: string) =>
    eventually(
      async () => {
        const cs = await clusters();
        return (
          cs.length === FLEET.length &&
          cs.every(
            (c: any) => c.sync.appliedRevision === rev && c.sync.state === 'SYNCED' && c.sync.health === 'HEALTHY',
          )
        );
      },
      150_000,
      what,
    );
  const head = (branch = 'main') => runGit(['rev-parse', `refs/heads/${branch}`], { cwd: git.repoPath });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-helm-'));
    git = await startGitServer();
    repo = await startChartRepo([join(HELM_FIXTURES, 'charts/greeter')]);
    await git.commit({
      files: {
        'fleet.yaml': FLEET_YAML,
        ...CHART,
        'bases/app/kustomization.yaml': base(repo.url),
        'bases/app/image.yaml': 'image: nginx:1.27\n',
        ...Object.fromEntries(
          FLEET.map((c) => [`clusters/${c.name}/kustomization.yaml`, 'resources: [../../bases/app]\n']),
        ),
      },
      message: 'v1: web and greeter charts',
    });
    h = await startHarness({
      FLEET_REPO_URL: git.url,
      FLEET_POLL_INTERVAL_SECONDS: '1',
      HEARTBEAT_INTERVAL_SECONDS: '2',
      FLEET_HYDRATION: 'on',
      HELM_BINARY: await helmPath(),
    });
    fleet = await startSimFleet(h, FLEET, { dir, tagsOf: (tag) => [tag, `tier.${tag}`] });
  }, scaled(180_000));

  afterAll(async () => {
    await fleet?.close();
    await h?.close();
    await repo?.close();
    await git?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('hydrates, rolls out in waves, rolls back a bad image and rejects a broken chart', async () => {
    const v1 = await head();
    await fleetOn(v1, 'the fleet on v1 (reported as the source commit)');
    for (const c of FLEET) {
      expect(await image(c.name)).toBe('nginx:1.27');
      const settings = await get(c.name, '/api/v1/namespaces/app/configmaps/settings');
      expect(settings.data.message).toBe(`${c.name} in ${c.tag}`);
      const greeter = await get(c.name, '/api/v1/namespaces/app/configmaps/hi-greeter');
      expect(greeter.data).toMatchObject({ greeting: 'hello', target: c.tag });
    }
    expect(await runGit(['log', '-1', '--format=%B', RENDERED], { cwd: git.repoPath })).toContain(
      `Flotilla-Source: ${v1}`,
    );

    // A good commit: canary, then edge.
    const v2 = await git.commit({ files: { 'bases/app/image.yaml': 'image: nginx:1.28\n' }, message: 'v2' });
    const good = await rolloutOf(v2, ['SUCCEEDED']);
    expect(good.waves.map((w: any) => [w.name, w.clusters.length])).toEqual([
      ['canary', 1],
      ['edge', 3],
    ]);
    await fleetOn(v2, 'the fleet on v2');
    for (const c of FLEET) expect(await image(c.name)).toBe('nginx:1.28');

    // A bad image: the canary never becomes available → a revert commit, hydrated, rolls it back.
    const bad = await git.commit({
      files: { 'bases/app/image.yaml': 'image: nginx:broken\n' },
      message: 'v3 (broken)',
    });
    const failed = await rolloutOf(bad, ['ROLLED_BACK']);
    expect(failed.rollbackRevision).toMatch(/^[0-9a-f]{40}$/);
    await eventually(async () => (await image('canary-1')) === 'nginx:1.28', 60_000, 'the canary back on 1.28');
    for (const c of FLEET.filter((f) => f.tag !== 'canary')) expect(await image(c.name)).toBe('nginx:1.28');
    await fleetOn(failed.rollbackRevision, 'the fleet on the revert commit');
    const renderedLog = await runGit(['log', '--format=%B', RENDERED], { cwd: git.repoPath });
    expect(renderedLog).toContain(`Flotilla-Source: ${failed.rollbackRevision}`);
    expect(renderedLog).toContain(`Flotilla-Source: ${bad}`);

    // A chart that fails to render: REJECTED naming cluster, chart and reason; nothing moves.
    const renderedBefore = await head(RENDERED);
    const broken = await git.commit({
      files: {
        'bases/app/kustomization.yaml': base(repo.url, '      image: "{{ broken"\n').replace(
          'name: web\n',
          'name: missing-chart\n',
        ),
      },
      message: 'v4 (missing chart)',
    });
    const rejected = await rolloutOf(broken, ['REJECTED']);
    expect(rejected.reason).toMatch(/cluster (canary-1|edge-\d)/);
    expect(rejected.reason).toContain('helm chart "missing-chart"');
    expect(await head(RENDERED)).toBe(renderedBefore);
    const after = await clusters();
    expect(after.every((c: any) => c.sync.appliedRevision === failed.rollbackRevision)).toBe(true);
  });
});

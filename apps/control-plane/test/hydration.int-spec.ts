/**
 * Hydration in the control plane (FLEET_HYDRATION=on), with a real Git server and the pinned helm:
 * each new head is rendered for every cluster into the rendered branch before its rollout; agents
 * get the rendered commit and their folder; affected clusters are those whose folder tree changed;
 * a chart that fails makes the head REJECTED naming cluster, chart and reason, and nothing moves.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { DesiredState } from '@flotilla/protocol';
import { runGit, startGitServer, type GitServer } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELM_FIXTURES, helmPath } from './helm/helm-fixtures.js';
import { eventually, readAsAgent, registerAgent, type TestAgent } from './support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from './support/harness.js';

const RENDERED = 'flotilla/rendered';
const ROLLOUTS = `query($rev: String) { rollouts(filter: { revision: $rev }) { edges { node { id revision phase reason } } } }`;

async function fixture(prefix: string, to: string): Promise<Record<string, string>> {
  const root = join(HELM_FIXTURES, 'fleet', prefix);
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const p = join(d, name);
      if ((await stat(p)).isDirectory()) await walk(p);
      else out[`${to}/${relative(root, p).split('\\').join('/')}`] = await readFile(p, 'utf8');
    }
  };
  await walk(root);
  return out;
}

const perCluster = (extra = '') => `helmCharts:
  - name: webapp
    releaseName: web
    namespace: edge
    valuesInline:
      env:
        CLUSTER: \${cluster.name}
${extra}`;

describe('hydration in the control plane', () => {
  let git: GitServer;
  let h: Harness;
  let first: string;
  const agents: TestAgent[] = [];
  const ids: Record<string, string> = {};
  const bare = () => ({ cwd: git.repoPath });
  const renderedHead = async () => (await runGit(['rev-parse', `refs/heads/${RENDERED}`], bare())).trim();
  const desired = (name: string, want: (d: DesiredState) => boolean, what: string) =>
    eventually(
      async () => {
        const d = await readAsAgent(h, ids[name]!);
        return d !== 'none' && want(d) && d;
      },
      15_000,
      what,
    );

  beforeAll(async () => {
    git = await startGitServer();
    first = await git.commit({
      files: {
        ...(await fixture('apps/local', 'apps/local')),
        ...(await fixture('apps/local/charts', 'clusters/hy-b/charts')),
        'clusters/hy-a/kustomization.yaml': 'resources:\n  - ../../apps/local\n',
        'clusters/hy-b/kustomization.yaml': perCluster(),
      },
      message: 'two clusters, one chart each',
    });
    h = await startHarness({
      FLEET_REPO_URL: git.url,
      FLEET_POLL_INTERVAL_SECONDS: '1',
      FLEET_HYDRATION: 'on',
      HELM_BINARY: await helmPath(),
    });
    for (const name of ['hy-a', 'hy-b']) {
      const a = await registerAgent(h, (await createRegistrationToken(h)).token, name);
      agents.push(a);
      ids[name] = a.clusterId;
    }
  });
  afterAll(async () => {
    for (const a of agents) await a.close();
    await h?.close();
    await git?.close();
  });

  it('agents get the rendered branch, the rendered commit of the head (trailer) and their own folder', async () => {
    const a = await desired('hy-a', (d) => d.branch === RENDERED, 'hy-a on the rendered branch');
    const b = await desired('hy-b', (d) => d.branch === RENDERED, 'hy-b on the rendered branch');
    expect(a).toMatchObject({ branch: RENDERED, path: 'hy-a', repoUrl: git.url });
    expect(b).toMatchObject({ branch: RENDERED, path: 'hy-b' });
    expect(a.revision).not.toBe(first);
    // A cluster registering after the head was hydrated gets it hydrated again (with its folder):
    // both rendered commits stand for the same source commit and agree on hy-a's folder.
    for (const d of [a, b])
      expect(await runGit(['log', '-1', '--format=%B', d.revision], bare())).toContain(`Flotilla-Source: ${first}`);
    const folder = (rev: string) => runGit(['rev-parse', `${rev}:hy-a`], bare());
    expect(await folder(b.revision)).toBe(await folder(a.revision));
    expect(await runGit(['show', `${b.revision}:hy-b/edge/Deployment.apps-web-webapp.yaml`], bare())).toMatch(
      /name: CLUSTER\n\s+value: hy-b/,
    );
    expect(await runGit(['ls-tree', '--name-only', a.revision, 'hy-a/shop/'], bare())).toContain(
      'hy-a/shop/Deployment.apps-storefront-webapp.yaml',
    );
  });

  it('a commit that changes one cluster: only its folder tree changes; both follow to the new rendered commit', async () => {
    const before = await renderedHead();
    const oidOf = (rev: string, folder: string) => runGit(['rev-parse', `${rev}:${folder}`], bare());
    const second = await git.commit({
      files: { 'clusters/hy-b/kustomization.yaml': perCluster('      replicaCount: 2\n') },
      message: 'scale hy-b',
    });
    const b = await desired('hy-b', (d) => d.revision !== before, 'hy-b on the next rendered commit');
    expect(await runGit(['log', '-1', '--format=%B', b.revision], bare())).toContain(`Flotilla-Source: ${second}`);
    const a = await desired('hy-a', (d) => d.revision === b.revision, 'hy-a moved to the same rendered commit');
    expect(await oidOf(a.revision, 'hy-a')).toBe(await oidOf(before, 'hy-a'));
    expect(await oidOf(b.revision, 'hy-b')).not.toBe(await oidOf(before, 'hy-b'));
  });

  it('clusterDiff renders Helm charts for that cluster: back to the first commit changes its replicas', async () => {
    const r = await h.gql(
      `query($c: String!, $r: String!) { clusterDiff(cluster: $c, revision: $r) { renderError { code reason } objects { kind name change diff } } }`,
      { c: 'hy-b', r: first },
    );
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    expect(r.data.clusterDiff.renderError).toBeNull();
    const changed = r.data.clusterDiff.objects.filter((o: { change: string }) => o.change !== 'UNCHANGED');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ kind: 'Deployment', name: 'web-webapp', change: 'CHANGED' });
    expect(changed[0].diff).toContain('replicas');
  });

  it('a chart that fails: the head is REJECTED naming cluster, chart and reason; nothing moves', async () => {
    const head = await renderedHead();
    const now = await desired('hy-b', (d) => d.revision === head, 'hy-b on the rendered head');
    const broken = await git.commit({
      files: { 'clusters/hy-b/kustomization.yaml': perCluster('      failWith: no database configured\n') },
      message: 'break hy-b',
    });
    const rejected = await eventually(
      async () =>
        ((await h.gql(ROLLOUTS, { rev: broken })).data?.rollouts.edges ?? [])
          .map((e: { node: { phase: string; reason: string } }) => e.node)
          .find((r: { phase: string }) => r.phase === 'REJECTED'),
      15_000,
      'a rejected rollout of the broken commit',
    );
    expect(rejected.reason).toContain('cluster hy-b');
    expect(rejected.reason).toContain('helm chart "webapp"');
    expect(rejected.reason).toContain('no database configured');
    expect(await renderedHead()).toBe(head);
    for (const name of ['hy-a', 'hy-b'])
      expect(await readAsAgent(h, ids[name]!)).toMatchObject({ revision: now.revision });
  });

  it('a rollout started by hand to an older revision moves the clusters whose rendered folder differs there', async () => {
    // The fake agents report no health, so the last commit's rollout still runs: abort it first.
    const running = (await h.gql(`{ rollouts(first: 20) { edges { node { id phase } } } }`)).data.rollouts.edges
      .map((e: { node: { id: string; phase: string } }) => e.node)
      .filter((r: { phase: string }) => ['RUNNING', 'PAUSED'].includes(r.phase));
    for (const r of running) {
      const aborted = await h.gql(`mutation($id: ID!) { abortRollout(id: $id) { phase } }`, { id: r.id });
      expect(aborted.errors, JSON.stringify(aborted.errors)).toBeUndefined();
    }
    const started = await h.gql(`mutation($i: StartRolloutInput!) { startRollout(input: $i) { id } }`, {
      i: { revision: first, selector: { noneOf: ['no-such-tag'] } },
    });
    expect(started.errors, JSON.stringify(started.errors)).toBeUndefined();
    const id = started.data.startRollout.id as string;
    const rollout = await eventually(
      async () =>
        (
          await h.gql(`{ rollouts(first: 20) { edges { node { id waves { clusters { clusterName } } } } } }`)
        ).data.rollouts.edges
          .map((e: { node: { id: string } }) => e.node)
          .find((r: { id: string }) => r.id === id),
      15_000,
      'the rollout by hand',
    );
    const names = rollout.waves.flatMap((w: { clusters: { clusterName: string }[] }) =>
      w.clusters.map((c) => c.clusterName),
    );
    // hy-a's folder is the same at the first commit: only hy-b (scaled since) rolls back by hand
    expect(names).toEqual(['hy-b']);
  });
  it('a cluster moved to another path (updateClusterSync) is rendered again from its new path', async () => {
    const before = await desired('hy-a', () => true, 'hy-a desired state');
    const r = await h.gql('mutation($input: UpdateClusterSyncInput!) { updateClusterSync(input: $input) { id } }', {
      input: { id: ids['hy-a'], path: 'clusters/hy-b' },
    });
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const moved = await desired('hy-a', (d) => d.revision !== before.revision, 'hy-a on a re-rendered commit');
    expect(moved.path).toBe('hy-a');
    expect((await runGit(['show', `${moved.revision}:hy-a/.flotilla-path`], bare())).trim()).toBe('clusters/hy-b');
    expect(await runGit(['show', `${moved.revision}:hy-a/edge/Deployment.apps-web-webapp.yaml`], bare())).toMatch(
      /name: CLUSTER\n\s+value: hy-a/,
    );
  });
});

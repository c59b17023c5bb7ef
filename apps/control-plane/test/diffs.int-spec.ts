import { runGit, startGitServer, type GitServer, scaled } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, registerAgent, type TestAgent } from './support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from './support/harness.js';
import { syncReport } from './support/reports.js';

const cm = (name: string, data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: web\ndata:\n${data}`;
const DIFF = `query($cluster: String!, $revision: String!) { clusterDiff(cluster: $cluster, revision: $revision) {
  cluster path fromRevision toRevision renderError { code file reason revision } warnings objects { apiVersion kind namespace name change diff } } }`;

describe('clusterDiff: what a revision would change on a cluster', () => {
  let git: GitServer;
  let h: Harness;
  let first: string, second: string, broken: string;
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    git = await startGitServer();
    first = await git.commit({
      message: 'fleet',
      files: {
        'clusters/d1/settings.yaml': cm('settings', '  color: blue\n  size: L\n'),
        'clusters/d1/old.yaml': cm('old', '  a: "1"\n'),
        'clusters/d1/same.yaml': cm('same', '  a: "1"\n'),
        'clusters/d2/settings.yaml': cm('settings', '  color: blue\n'),
      },
    });
    // one poll at start (desired = first), then none during the test: later commits only reach clusterDiff by fetch
    h = await startHarness({ FLEET_REPO_URL: git.url, FLEET_POLL_INTERVAL_SECONDS: '3600' });
    await eventually(
      async () => (await h.gql('{ fleetRepo { headRevision } }')).data.fleetRepo.headRevision === first,
      8000,
      'first poll',
    );
    for (const name of ['d1', 'd2'])
      agents.push(await registerAgent(h, (await createRegistrationToken(h, { name: `t-${name}` })).token, name));
    second = await git.commit({
      message: 'red, new, no old',
      files: {
        'clusters/d1/settings.yaml': cm('settings', '  color: red\n  size: L\n'),
        'clusters/d1/old.yaml': null,
        'clusters/d1/new.yaml': cm('new', '  b: "2"\n'),
        'clusters/d2/settings.yaml': cm('settings', '  color: green\n'),
      },
    });
    broken = await git.commit({
      message: 'broken',
      files: { 'clusters/d1/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n' },
    });
  }, scaled(60_000));
  afterAll(async () => {
    for (const a of agents) await a.close();
    await h?.close();
    await git?.close();
  });

  it('shows a changed ConfigMap, an added and a removed object, and leaves out unchanged ones', async () => {
    const r = await h.gql(DIFF, { cluster: 'd1', revision: second });
    expect(r.errors).toBeUndefined();
    const d = r.data.clusterDiff;
    expect(d).toMatchObject({
      cluster: 'd1',
      path: 'clusters/d1',
      fromRevision: first,
      toRevision: second,
      renderError: null,
    });
    expect(d.objects.map((o: { name: string; change: string }) => [o.name, o.change])).toEqual([
      ['new', 'ADDED'],
      ['old', 'REMOVED'],
      ['settings', 'CHANGED'],
    ]);
    const settings = d.objects[2];
    expect(settings).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web' });
    expect(settings.diff).toContain('--- a/ConfigMap/web/settings\n+++ b/ConfigMap/web/settings\n');
    expect(settings.diff).toContain('-  color: blue\n+  color: red\n   size: L\n');
    expect(d.objects[0].diff).toContain('+  b: "2"\n');
    expect(d.objects[1].diff).toContain('-  name: old\n');
  });

  it('resolves a short SHA, a branch name and a cluster id', async () => {
    const short = await h.gql(DIFF, { cluster: agents[0]!.clusterId, revision: second.slice(0, 8) });
    expect(short.data.clusterDiff).toMatchObject({ cluster: 'd1', toRevision: second });
    expect(short.data.clusterDiff.objects).toHaveLength(3);
    const branch = await h.gql(DIFF, { cluster: 'd1', revision: 'main' });
    expect(branch.data.clusterDiff.toRevision).toBe(broken);
  });

  it('names the file when the revision does not render', async () => {
    const r = await h.gql(DIFF, { cluster: 'd1', revision: broken });
    expect(r.errors).toBeUndefined();
    expect(r.data.clusterDiff).toMatchObject({
      toRevision: broken,
      objects: [],
      renderError: { code: 'INVALID_YAML', file: 'clusters/d1/bad.yaml', revision: broken },
    });
    expect(r.data.clusterDiff.renderError.reason).not.toBe('');
  });

  it('compares with the revision the agent reports as applied, not the desired one', async () => {
    const d2 = agents[1]!;
    await d2.report('sync', syncReport(d2.clusterId, 1, second, { appliedRevision: second }));
    const r = await eventually(
      async () => {
        const x = await h.gql(DIFF, { cluster: 'd2', revision: second });
        return x.data?.clusterDiff.fromRevision === second && x;
      },
      5000,
      'applied revision stored',
    );
    expect(r.data.clusterDiff.objects).toEqual([]);
    const back = await h.gql(DIFF, { cluster: 'd2', revision: first });
    expect(back.data.clusterDiff.objects).toMatchObject([{ name: 'settings', change: 'CHANGED' }]);
    expect(back.data.clusterDiff.objects[0].diff).toContain('-  color: green\n+  color: blue\n');
  });

  it('rejects unknown revisions naming `revision`, and an unknown cluster as NOT_FOUND', async () => {
    for (const revision of ['no-such-branch', 'a'.repeat(40), 'abcdef12', '-x', 'a..b']) {
      const r = await h.gql(DIFF, { cluster: 'd1', revision });
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'revision' });
      expect(r.errors?.[0]?.message).toContain(revision);
    }
    const missing = await h.gql(DIFF, { cluster: 'nope', revision: second });
    expect(missing.errors?.[0]).toMatchObject({
      message: 'cluster nope does not exist',
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it('previews a branch not merged yet (a pull request head), by name and by SHA: the hub fetches it', async () => {
    // a pull request branch forked from `second`, never merged into main
    await runGit(['update-ref', 'refs/heads/pr-7', second], { cwd: git.repoPath });
    const head = await git.commit({
      message: 'pr: d1 gets x, d2 turns blue',
      branch: 'pr-7',
      files: {
        'clusters/d1/x.yaml': cm('x', '  a: "1"\n'),
        'clusters/d2/settings.yaml': cm('settings', '  color: blue\n'),
      },
    });
    const byName = await h.gql(DIFF, { cluster: 'd1', revision: 'pr-7' });
    expect(byName.errors).toBeUndefined();
    expect(byName.data.clusterDiff.toRevision).toBe(head);
    expect(
      byName.data.clusterDiff.objects.map((o: { name: string; change: string }) => `${o.name} ${o.change}`).sort(),
    ).toEqual(['new ADDED', 'old REMOVED', 'settings CHANGED', 'x ADDED']);
    // another unmerged branch, named only by its SHA: found on the repository's branches
    await runGit(['update-ref', 'refs/heads/pr-8', second], { cwd: git.repoPath });
    const other = await git.commit({
      message: 'pr 8',
      branch: 'pr-8',
      files: { 'clusters/d1/why.yaml': cm('why', '  a: "1"\n') },
    });
    const bySha = await h.gql(DIFF, { cluster: 'd1', revision: other });
    expect(bySha.errors).toBeUndefined();
    expect(
      bySha.data.clusterDiff.objects.map((o: { name: string }) => o.name),
      JSON.stringify(bySha.data),
    ).toContain('why');
  });

  it('is open to viewers and closed to anonymous callers', async () => {
    const viewer = (
      await h.gql('mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }', {
        input: { name: 'v', role: 'VIEWER' },
      })
    ).data.createApiToken.token as string;
    expect((await h.gql(DIFF, { cluster: 'd1', revision: second }, viewer)).data.clusterDiff.toRevision).toBe(second);
    expect((await h.gql(DIFF, { cluster: 'd1', revision: second }, '')).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
  });
});

/**
 * fleetDiff: the blast radius of a revision before it is merged. A real Git server holds the fleet;
 * a pull request branch (never merged) changes a shared base, one cluster's Helm values and adds a
 * patch that matches nothing. With hydration on, the Helm cluster's diff is the Helm-rendered output
 * with its own values; unchanged clusters are left out; a branch that breaks a cluster names it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { runGit, scaled, startGitServer, type GitServer } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELM_FIXTURES, helmPath } from './helm/helm-fixtures.js';
import { eventually, registerAgent, type TestAgent } from './support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from './support/harness.js';

const FLEET_DIFF = `query($revision: String!) { fleetDiff(revision: $revision) {
  toRevision clusters unchanged failed
  entries { cluster path fromRevision toRevision added changed removed warnings
    renderError { code file reason revision } objects { kind name change diff } } } }`;

const cm = (name: string, data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: web\ndata:\n${data}`;
const base = (extra = '') => `resources:\n  - ../../bases/web\n${extra}`;
const helmPath_ = (values: string) => `helmCharts:
  - name: webapp
    releaseName: web
    namespace: edge
    valuesInline:
      env:
        CLUSTER: \${cluster.name}
${values}`;

async function chartFiles(to: string): Promise<Record<string, string>> {
  const root = join(HELM_FIXTURES, 'fleet/apps/local/charts');
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

describe('fleetDiff: which clusters a revision changes, and how', () => {
  let git: GitServer;
  let h: Harness;
  let first: string;
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    git = await startGitServer();
    first = await git.commit({
      message: 'fleet: two clusters on a shared base, one plain, one Helm',
      files: {
        'bases/web/kustomization.yaml': 'resources:\n  - settings.yaml\n',
        'bases/web/settings.yaml': cm('settings', '  color: blue\n'),
        'clusters/fd-a/kustomization.yaml': base(),
        'clusters/fd-b/kustomization.yaml': base(
          'patches:\n  - target: {kind: ConfigMap, name: nothing}\n    patch: |-\n      - {op: remove, path: /data}\n',
        ),
        'clusters/fd-c/plain.yaml': cm('plain', '  a: "1"\n'),
        ...(await chartFiles('clusters/fd-h/charts')),
        'clusters/fd-h/kustomization.yaml': helmPath_(''),
      },
    });
    h = await startHarness({
      FLEET_REPO_URL: git.url,
      FLEET_POLL_INTERVAL_SECONDS: '3600',
      FLEET_HYDRATION: 'on',
      HELM_BINARY: await helmPath(),
    });
    await eventually(
      async () => (await h.gql('{ fleetRepo { headRevision } }')).data.fleetRepo.headRevision === first,
      scaled(15_000),
      'first poll',
    );
    for (const name of ['fd-a', 'fd-b', 'fd-c', 'fd-h'])
      agents.push(await registerAgent(h, (await createRegistrationToken(h, { name: `t-${name}` })).token, name));
    // a pull request branch forked from the fleet head, never merged
    await runGit(['update-ref', 'refs/heads/pr-1', first], { cwd: git.repoPath });
    await git.commit({
      message: 'pr-1: red base, fd-h gets a color, fd-a a patch that matches nothing',
      branch: 'pr-1',
      files: {
        'bases/web/settings.yaml': cm('settings', '  color: red\n'),
        'clusters/fd-a/kustomization.yaml': base(
          'patches:\n  - target: {kind: Secret, name: nothing}\n    patch: |-\n      - {op: add, path: /data/x, value: eA==}\n',
        ),
        'clusters/fd-h/kustomization.yaml': helmPath_('        COLOR: red\n'),
      },
    });
    await runGit(['update-ref', 'refs/heads/pr-2', first], { cwd: git.repoPath });
    await git.commit({
      message: 'pr-2: breaks fd-c',
      branch: 'pr-2',
      files: { 'clusters/fd-c/plain.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n' },
    });
  }, scaled(90_000));
  afterAll(async () => {
    for (const a of agents) await a.close();
    await h?.close();
    await git?.close();
  });

  it(
    'lists the clusters an unmerged branch changes with counts, Helm output with each cluster’s values, and warnings',
    { timeout: scaled(60_000) },
    async () => {
      const r = await h.gql(FLEET_DIFF, { revision: 'pr-1' });
      expect(r.errors).toBeUndefined();
      const f = r.data.fleetDiff;
      const head = (await runGit(['rev-parse', 'refs/heads/pr-1'], { cwd: git.repoPath })).trim();
      expect(f).toMatchObject({ toRevision: head, clusters: 4, unchanged: 1, failed: 0 });
      expect(
        f.entries.map((e: { cluster: string; added: number; changed: number; removed: number }) => [
          e.cluster,
          e.added,
          e.changed,
          e.removed,
        ]),
      ).toEqual([
        ['fd-a', 0, 1, 0],
        ['fd-b', 0, 1, 0],
        ['fd-h', 0, 1, 0],
      ]);
      const [a, b, hy] = f.entries;
      expect(a).toMatchObject({ path: 'clusters/fd-a', fromRevision: first, renderError: null });
      expect(a.objects[0].diff).toContain('-  color: blue\n+  color: red\n');
      expect(a.warnings).toEqual([expect.stringContaining('clusters/fd-a/kustomization.yaml: patches[0]')]);
      expect(a.warnings[0]).toContain('matches no resource');
      expect(b.warnings).toEqual([expect.stringContaining('clusters/fd-b/kustomization.yaml: patches[0]')]);
      // the Helm-rendered Deployment, with this cluster's own value in it
      expect(hy.objects[0]).toMatchObject({ kind: 'Deployment', change: 'CHANGED' });
      expect(hy.objects[0].diff).toContain('value: fd-h');
      expect(hy.objects[0].diff).toMatch(/\+\s+- name: COLOR\n\+\s+value: red\n/);
    },
  );

  it("shows the render warnings of each cluster's desired revision on Cluster.renderWarnings", async () => {
    const r = await h.gql(
      '{ a: cluster(name: "fd-a") { renderWarnings } b: cluster(name: "fd-b") { renderWarnings } }',
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.a.renderWarnings).toEqual([]);
    expect(r.data.b.renderWarnings).toEqual([
      expect.stringMatching(/^clusters\/fd-b\/kustomization\.yaml: patches\[0\].*matches no resource$/),
    ]);
  });

  it('names the cluster a branch breaks, and counts it as failed', { timeout: scaled(60_000) }, async () => {
    const r = await h.gql(FLEET_DIFF, { revision: 'pr-2' });
    expect(r.errors).toBeUndefined();
    expect(r.data.fleetDiff).toMatchObject({ clusters: 4, unchanged: 3, failed: 1 });
    expect(r.data.fleetDiff.entries).toEqual([
      expect.objectContaining({
        cluster: 'fd-c',
        objects: [],
        renderError: expect.objectContaining({ code: 'INVALID_YAML', file: 'clusters/fd-c/plain.yaml' }),
      }),
    ]);
  });

  it('shows no changes for the revision the fleet runs, and refuses an unknown branch naming it', async () => {
    const same = await h.gql(FLEET_DIFF, { revision: first });
    expect(same.data.fleetDiff).toMatchObject({ clusters: 4, unchanged: 4, failed: 0, entries: [] });
    const unknown = await h.gql(FLEET_DIFF, { revision: 'no-such-branch' });
    expect(unknown.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'revision' } });
    expect(unknown.errors?.[0]?.message).toContain('no-such-branch');
  });
});

import * as fs from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import git from 'isomorphic-git';
import {
  CommitSigner,
  type GitTreeEntry,
  ObjectStoreTree,
  render,
  type RepoTree,
  TrustSet,
  verifyCommit,
} from '@flotilla/gitops';
import { createGpgKey, type GitServer, runGit, startGitServer } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartRepositoryClient } from '../../src/modules/hydration/helm/chart-repository.js';
import { HelmChartRenderer } from '../../src/modules/hydration/helm/helm-chart-renderer.js';
import { type HydrationCluster, HydrationError, Hydrator } from '../../src/modules/hydration/hydrator.js';
import { affectedByTree } from '../../src/modules/hydration/rendered-affected.js';
import { RenderedBranch } from '../../src/modules/hydration/rendered-branch.js';
import { RevertWriter } from '../../src/modules/rollouts/git/revert-writer.js';
import { HELM_FIXTURES, helmPath } from './helm-fixtures.js';

const RENDERED = 'flotilla/rendered';

/** The fixture fleet's files as text, keyed by repo path. */
async function fixtureFiles(): Promise<Record<string, string>> {
  const root = join(HELM_FIXTURES, 'fleet');
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const p = join(d, name);
      if ((await stat(p)).isDirectory()) await walk(p);
      else out[relative(root, p).split('\\').join('/')] = await readFile(p, 'utf8');
    }
  };
  await walk(root);
  return out;
}

const perCluster = (tagKey: string) => `helmCharts:
  - name: webapp
    releaseName: web
    namespace: edge
    valuesInline:
      image:
        tag: "\${cluster.tag.${tagKey}}"
      env:
        CLUSTER: \${cluster.name}
`;

function facts(name: string, tags: string[]): HydrationCluster['facts'] {
  return { name, region: 'eu-west-1', provider: 'kind', kubeVersion: 'v1.33.0', tags };
}

let server: GitServer;
let gitdir: string;
let helm: string;
let renderer: HelmChartRenderer;
let source: RevertWriter;
let rendered: RenderedBranch;
const cache = {};

/** A tree over a source commit, fetching the branch when the store does not have it yet (as FleetSource does). */
async function treeAt(revision: string): Promise<RepoTree> {
  const read = () => git.readCommit({ fs, gitdir, oid: revision, cache });
  const { commit } = await read().catch(async () => {
    await source.fetchHead();
    return read();
  });
  return new ObjectStoreTree(
    {
      readTree: async (oid) => (await git.readTree({ fs, gitdir, oid, cache })).tree as GitTreeEntry[],
      readBlob: async (oid) => (await git.readBlob({ fs, gitdir, oid, cache })).blob,
    },
    commit.tree,
  );
}

const clusters: HydrationCluster[] = [
  { id: 'c1', name: 'edge-1', path: 'clusters/shop', facts: facts('edge-1', ['channel=stable']) },
  { id: 'c2', name: 'edge-2', path: 'clusters/shop', facts: facts('edge-2', ['channel=beta']) },
  { id: 'c3', name: 'edge-3', path: 'clusters/per-cluster', facts: facts('edge-3', ['channel=stable']) },
  { id: 'c4', name: 'edge-4', path: 'clusters/per-cluster', facts: facts('edge-4', ['channel=beta']) },
  { id: 'c5', name: 'edge-5', path: 'clusters/not-pushed-yet', facts: facts('edge-5', []) },
];

beforeAll(async () => {
  helm = await helmPath();
  server = await startGitServer();
  gitdir = join(await mkdtemp(join(tmpdir(), 'flotilla-hydration-')), 'store.git');
  renderer = new HelmChartRenderer({
    helmBin: helm,
    repository: new ChartRepositoryClient({
      timeoutMs: 5_000,
      maxIndexBytes: 1 << 20,
      maxChartBytes: 1 << 20,
      indexTtlMs: 0,
    }),
    timeoutMs: 30_000,
    maxOutputBytes: 4 << 20,
    concurrency: 2,
  });
  const git = { url: server.url, gitdir, timeoutMs: 10_000 };
  source = new RevertWriter({ ...git, branch: 'main' });
  rendered = new RenderedBranch({ ...git, branch: RENDERED, hydrator: new Hydrator({ gitdir, renderer, treeAt }) });
});
afterAll(async () => {
  await server?.close();
  if (gitdir) await rm(join(gitdir, '..'), { recursive: true, force: true });
});

describe('hydration: each source commit → one commit of plain manifests on the rendered branch', () => {
  let first: string;
  let firstRendered: string;

  it('renders every cluster once per distinct input, commits with a trailer and pushes (read back with real git)', async () => {
    first = await server.commit({
      files: {
        ...(await fixtureFiles()),
        'clusters/shop/kustomization.yaml': 'resources:\n  - ../../apps/local\n',
        'clusters/per-cluster/kustomization.yaml': perCluster('channel'),
        'clusters/per-cluster/charts/.keep': '',
      },
      message: 'shop and per-cluster apps',
    });
    // the per-cluster path uses the same chart, copied into its own chart home
    const chartFiles = Object.fromEntries(
      Object.entries(await fixtureFiles())
        .filter(([p]) => p.startsWith('apps/local/charts/webapp/'))
        .map(([p, t]) => [p.replace('apps/local/charts', 'clusters/per-cluster/charts'), t]),
    );
    first = await server.commit({ files: chartFiles, message: 'chart for per-cluster' });
    expect(await source.fetchHead()).toBe(first);
    const before = renderer.templatesRun;
    const out = await rendered.hydrate(first, clusters);
    firstRendered = out.renderedRevision;
    // clusters/shop once for both clusters; per-cluster once per cluster (their values differ)
    expect(renderer.templatesRun - before).toBe(3);

    const bare = { cwd: server.repoPath };
    expect(await runGit(['rev-parse', `refs/heads/${RENDERED}`], bare)).toBe(firstRendered);
    const message = await runGit(['log', '-1', '--format=%B', RENDERED], bare);
    expect(message).toContain(`Flotilla-Source: ${first}`);
    const files = (await runGit(['ls-tree', '-r', '--name-only', RENDERED], bare)).split('\n');
    expect(files).toContain('edge-1/shop/Deployment.apps-storefront-webapp.yaml');
    expect(files).toContain('edge-1/_cluster/CustomResourceDefinition.apiextensions.k8s.io-widgets.example.com.yaml');
    expect(files.some((f) => f.startsWith('edge-5/'))).toBe(false);
    const oid = (p: string) => runGit(['rev-parse', `${RENDERED}:${p}`], bare);
    expect(await oid('edge-1')).toBe(await oid('edge-2'));
    expect(await oid('edge-3')).not.toBe(await oid('edge-4'));
    expect(await runGit(['show', `${RENDERED}:edge-4/edge/Deployment.apps-web-webapp.yaml`], bare)).toContain(
      'image: ghcr.io/example/webapp:beta',
    );
  });

  it('what an agent renders from the rendered commit equals the hub render of the source with helm', async () => {
    const src = await treeAt(first);
    const out = await treeAt(firstRendered);
    for (const c of clusters.slice(0, 4)) {
      const expected = await render(src, c.path, { helm: renderer.inflater(c.facts) });
      const got = await render(out, c.name);
      expect(got.objects, c.name).toEqual(expected.objects);
    }
    // the agent's render refuses helmCharts itself (no inflater): hydration is what makes it work
    await expect(render(src, 'clusters/shop')).rejects.toThrow(/needs hydration/);
  });

  it('the next commit: affected clusters are those whose rendered folder tree changed; a source hydrates once', async () => {
    const second = await server.commit({
      files: {
        'clusters/per-cluster/kustomization.yaml': perCluster('channel').replace('namespace: edge', 'namespace: edge2'),
      },
      message: 'move per-cluster app',
    });
    const before = renderer.templatesRun;
    const out = await rendered.hydrate(second, clusters);
    expect(renderer.templatesRun - before).toBe(2);
    const parent = (await runGit(['rev-parse', `${RENDERED}^`], { cwd: server.repoPath })).trim();
    expect(parent).toBe(firstRendered);
    const prev = await rendered.folders(firstRendered);
    const next = await rendered.folders(out.renderedRevision);
    expect(
      affectedByTree(
        clusters.map((c) => ({ id: c.id, name: c.name, current: prev })),
        next,
      ),
    ).toEqual({
      affected: ['c3', 'c4'],
      // edge-5's folder is absent from both (its path is not pushed yet): nothing to move
      unaffected: ['c1', 'c2', 'c5'],
    });
    const again = await rendered.hydrate(second, clusters);
    expect(again).toEqual({ renderedRevision: out.renderedRevision });
    expect(await rendered.renderedOf(first)).toBe(firstRendered);
  });

  it('a broken chart fails the hydration naming the cluster, the chart and the reason; the rendered head stays', async () => {
    const head = (await runGit(['rev-parse', `refs/heads/${RENDERED}`], { cwd: server.repoPath })).trim();
    const broken = await server.commit({
      files: {
        'clusters/per-cluster/kustomization.yaml': perCluster('channel').replace(
          'valuesInline:',
          'valuesInline:\n      failWith: no database configured',
        ),
      },
      message: 'broken values',
    });
    const err = await rendered.hydrate(broken, clusters).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HydrationError);
    expect((err as HydrationError).cluster).toBe('edge-3');
    expect((err as HydrationError).message).toMatch(/helm chart "webapp".*no database configured/);
    expect((await runGit(['rev-parse', `refs/heads/${RENDERED}`], { cwd: server.repoPath })).trim()).toBe(head);
  });
});

describe('signed rendered commits', () => {
  it('with the hub key, rendered commits are signed: real git and the agents verifier accept them', async () => {
    const key = await createGpgKey({ name: 'Flotilla Hub', email: 'hub@fleet.invalid' });
    const signer = await CommitSigner.load({ name: 'hub key', armored: key.secretKey });
    const signedBranch = new RenderedBranch({
      url: server.url,
      gitdir,
      timeoutMs: 10_000,
      branch: 'flotilla/rendered-signed',
      hydrator: new Hydrator({ gitdir, renderer, treeAt, signer: () => (payload) => signer.sign(payload) }),
    });
    const head = await source.fetchHead();
    const out = await signedBranch.hydrate(head, clusters.slice(0, 2));
    const { object } = await git.readObject({ fs, gitdir, oid: out.renderedRevision, format: 'content' });
    const trust = await TrustSet.load([{ name: 'hub', armored: key.publicKey }]);
    expect(await verifyCommit(object as Uint8Array, trust)).toMatchObject({
      status: 'valid',
      fingerprint: key.fingerprint,
    });
    const shown = await runGit(['log', '-1', '--format=%G?', 'flotilla/rendered-signed'], {
      cwd: server.repoPath,
      env: { GNUPGHOME: key.home },
    });
    expect(shown.trim()).toBe('G');
  });
});

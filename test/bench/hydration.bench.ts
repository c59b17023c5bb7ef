// bench:hydration — hydration time on the hub for 1,000 clusters (BENCH_AGENTS) sharing 10 overlays
// (100 clusters each, by their sync path) over one Helm chart in the fleet repository, with the
// pinned helm and a real git http-backend: commit → source fetched, every cluster rendered (identical
// inputs once), the rendered commit written and pushed to flotilla/rendered. Scenario 1: the first
// hydration (cold: no parent). Scenario 2: a commit that changes one overlay's values. Scenario 3:
// the same fleet where the chart's values name the cluster (`${cluster.name}`): one render per
// cluster (helm once per cluster). Prints a table; the issue's target is ≤ 5 s for scenario 2's kind.
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import git from 'isomorphic-git';
import { type GitTreeEntry, ObjectStoreTree, type RepoTree } from '@flotilla/gitops';
import { startGitServer } from '@flotilla/testing';
import { ChartRepositoryClient } from '../../apps/control-plane/src/modules/hydration/helm/chart-repository.js';
import { HelmChartRenderer } from '../../apps/control-plane/src/modules/hydration/helm/helm-chart-renderer.js';
import { type HydrationCluster, Hydrator } from '../../apps/control-plane/src/modules/hydration/hydrator.js';
import { RenderedBranch } from '../../apps/control-plane/src/modules/hydration/rendered-branch.js';
import { RevertWriter } from '../../apps/control-plane/src/modules/rollouts/git/revert-writer.js';

const CLUSTERS = Number(process.env.BENCH_AGENTS ?? 1000);
const OVERLAYS = 10;
const root = resolve(import.meta.dirname, '../..');
const { ensureHelm } = (await import(join(root, 'scripts/setup-kubectl.mjs'))) as { ensureHelm: () => string };

const CHART: Record<string, string> = {
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n',
  'charts/web/values.yaml': 'image: nginx:1.27\nreplicas: 1\nmessage: hello\n',
  'charts/web/templates/app.yaml': `apiVersion: v1
kind: ConfigMap
metadata: { name: {{ .Release.Name }}-settings }
data: { message: {{ .Values.message | quote }} }
---
apiVersion: v1
kind: Service
metadata: { name: {{ .Release.Name }} }
spec: { selector: { app: {{ .Release.Name }} }, ports: [{ port: 80 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: {{ .Release.Name }} }
spec:
  replicas: {{ .Values.replicas }}
  selector: { matchLabels: { app: {{ .Release.Name }} } }
  template:
    metadata: { labels: { app: {{ .Release.Name }} } }
    spec: { containers: [{ name: web, image: {{ .Values.image | quote }} }] }
`,
};
const overlay = (i: number, message: string) => `namespace: team-${i}
helmGlobals: { chartHome: ../../charts }
helmCharts:
  - name: web
    releaseName: web
    valuesInline: { message: "${message}", replicas: ${1 + (i % 3)} }
resources: [extra.yaml]
`;
const extra = (i: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: overlay-info }\ndata: { overlay: "o${i}" }\n`;

function fleetFiles(message: (i: number) => string): Record<string, string> {
  const files: Record<string, string> = { ...CHART };
  for (let i = 0; i < OVERLAYS; i++) {
    files[`overlays/o${i}/kustomization.yaml`] = overlay(i, message(i));
    files[`overlays/o${i}/extra.yaml`] = extra(i);
  }
  return files;
}

const clusters: HydrationCluster[] = Array.from({ length: CLUSTERS }, (_, i) => {
  const name = `bench-${String(i).padStart(4, '0')}`;
  return {
    id: name,
    name,
    path: `overlays/o${i % OVERLAYS}`,
    facts: { name, region: 'local', provider: 'bench', kubeVersion: 'v1.33.0', tags: [] },
  };
});

const server = await startGitServer();
const gitdir = join(await mkdtemp(join(tmpdir(), 'flotilla-bench-hydration-')), 'store.git');
const cache = {};
const opts = { url: server.url, gitdir, timeoutMs: 30_000 };
const source = new RevertWriter({ ...opts, branch: 'main' });
async function treeAt(revision: string): Promise<RepoTree> {
  const { commit } = await git.readCommit({ fs, gitdir, oid: revision, cache });
  return new ObjectStoreTree(
    {
      readTree: async (oid) => (await git.readTree({ fs, gitdir, oid, cache })).tree as GitTreeEntry[],
      readBlob: async (oid) => (await git.readBlob({ fs, gitdir, oid, cache })).blob,
    },
    commit.tree,
  );
}
const renderer = new HelmChartRenderer({
  helmBin: ensureHelm(),
  repository: new ChartRepositoryClient({
    timeoutMs: 30_000,
    maxIndexBytes: 1 << 24,
    maxChartBytes: 1 << 24,
    indexTtlMs: 60_000,
  }),
  timeoutMs: 60_000,
  maxOutputBytes: 16 << 20,
  concurrency: 2,
});
const rendered = new RenderedBranch({
  ...opts,
  branch: 'flotilla/rendered',
  hydrator: new Hydrator({ gitdir, renderer, treeAt }),
});

const rows: string[][] = [];
async function scenario(what: string, files: Record<string, string>, list: readonly HydrationCluster[]): Promise<void> {
  const helmBefore = renderer.templatesRun;
  const commit = await server.commit({ files, message: what });
  const t0 = performance.now();
  const head = await source.fetchHead();
  if (head !== commit) throw new Error(`fetched ${head}, committed ${commit}`);
  const out = await rendered.hydrate(head, list);
  const ms = performance.now() - t0;
  rows.push([
    what,
    String(list.length),
    String(out.result?.renders ?? 0),
    String(renderer.templatesRun - helmBefore),
    `${(ms / 1000).toFixed(2)} s`,
  ]);
}

try {
  await scenario(
    'first hydration (10 overlays, one chart)',
    fleetFiles(() => 'hello'),
    clusters,
  );
  await scenario('one overlay changed', { 'overlays/o3/kustomization.yaml': overlay(3, 'changed') }, clusters);
  await scenario(
    'values name the cluster (${cluster.name})',
    Object.fromEntries(
      Array.from({ length: OVERLAYS }, (_, i) => [`overlays/o${i}/kustomization.yaml`, overlay(i, '${cluster.name}')]),
    ),
    clusters,
  );
} finally {
  await server.close();
  await rm(join(gitdir, '..'), { recursive: true, force: true });
}

const header = ['scenario', 'clusters', 'renders', 'helm runs', 'commit → rendered commit pushed'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
console.log(
  'target (issue 16): commit → rendered commit pushed ≤ 5 s for 1,000 clusters sharing 10 overlays and one chart',
);

// bench:render — Flotilla's kustomize against `kubectl kustomize` (v1.33.9, kustomize v5.6) on the
// largest directories of the conformance corpus (libs/gitops/test/conformance), then hydration on
// the hub (bench:hydration: 1,000 clusters sharing 10 overlays and one chart, and per-cluster values).
// Flotilla renders in-process; kubectl is a process per build, so the table also shows kubectl minus
// the start of a `kubectl version --client` process (its in-process cost, estimated) — both measured
// here, in this run. Set BENCH_RENDER_DIRS (default 10) and BENCH_RENDER_RUNS (default 5).
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { render } from '@flotilla/gitops';
import { FsTree } from '../../libs/gitops/test/fs-tree.js';

const root = resolve(import.meta.dirname, '../..');
const CORPUS = join(root, 'libs/gitops/test/conformance');
const DIRS = Number(process.env.BENCH_RENDER_DIRS ?? 10);
const RUNS = Number(process.env.BENCH_RENDER_RUNS ?? 5);
const { ensureKubectl } = (await import(join(root, 'scripts/setup-kubectl.mjs'))) as { ensureKubectl: () => string };
const kubectl = ensureKubectl();
const run = promisify(execFile);

const index = JSON.parse(readFileSync(join(CORPUS, 'index.json'), 'utf8')) as {
  directories: Array<{ dir: string; remote?: string[] }>;
};
const tree = new FsTree(CORPUS);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

// 1. Render every local directory once (cold), and keep the largest outputs.
const sized: Array<{ dir: string; bytes: number; objects: number; coldMs: number }> = [];
const corpusStart = performance.now();
for (const { dir, remote } of index.directories) {
  if (remote) continue;
  const t0 = performance.now();
  const out = await render(tree, dir).catch(() => undefined);
  const coldMs = performance.now() - t0;
  if (out) sized.push({ dir, bytes: JSON.stringify(out.objects).length, objects: out.objects.length, coldMs });
}
const corpusMs = performance.now() - corpusStart;
const largest = sized.sort((a, b) => b.bytes - a.bytes).slice(0, DIRS);

// 2. kubectl's process start, as `kubectl version --client`.
const startMs = median(
  await Promise.all(
    Array.from({ length: 3 }, () => time(() => run(kubectl, ['version', '--client'], { maxBuffer: 1 << 20 }))),
  ).then((xs) => xs),
);

const rows: string[][] = [];
let flotillaTotal = 0;
let kubectlTotal = 0;
for (const d of largest) {
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) warm.push(await time(() => render(tree, d.dir)));
  const proc: number[] = [];
  for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++)
    proc.push(await time(() => run(kubectl, ['kustomize', join(CORPUS, d.dir)], { maxBuffer: 64 << 20 })));
  const f = median(warm);
  const k = median(proc);
  flotillaTotal += f;
  kubectlTotal += k;
  rows.push([
    d.dir,
    String(d.objects),
    `${Math.round(d.bytes / 1024)} KB`,
    `${d.coldMs.toFixed(1)} ms`,
    `${f.toFixed(1)} ms`,
    `${k.toFixed(0)} ms`,
    `${(k / f).toFixed(1)}×`,
    `${(Math.max(k - startMs, 0) / f).toFixed(1)}×`,
  ]);
}
rows.push([
  `total (${largest.length} directories)`,
  String(largest.reduce((s, d) => s + d.objects, 0)),
  '',
  '',
  `${flotillaTotal.toFixed(1)} ms`,
  `${kubectlTotal.toFixed(0)} ms`,
  `${(kubectlTotal / flotillaTotal).toFixed(1)}×`,
  `${(Math.max(kubectlTotal - startMs * largest.length, 0) / flotillaTotal).toFixed(1)}×`,
]);

const header = [
  'directory',
  'objects',
  'output',
  'flotilla cold',
  'flotilla (median)',
  'kubectl kustomize',
  'kubectl / flotilla',
  '(kubectl − process start) / flotilla',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
console.log(
  `whole corpus, Flotilla in-process, cold, one pass: ${sized.length} directories in ${(corpusMs / 1000).toFixed(1)} s; kubectl process start (version --client, median of 3): ${startMs.toFixed(0)} ms`,
);
console.log('target (issue 16): Flotilla at least 2× faster than kubectl kustomize on the same inputs');
const slowest = Math.min(...rows.slice(0, -1).map((r) => Number.parseFloat(r[6]!)));
console.log(`slowest ratio over the directories: ${slowest.toFixed(1)}×`);

// 3. Hydration on the hub (its own process: it starts a git server and helm runs).
console.log('\n-- hydration (bench:hydration) --');
const hyd = spawnSync(
  process.execPath,
  ['--import', '@swc-node/register/esm-register', join(root, 'test/bench/hydration.bench.ts')],
  { stdio: 'inherit', cwd: root },
);
process.exit(hyd.status ?? 1);

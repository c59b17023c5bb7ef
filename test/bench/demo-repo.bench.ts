// bench:demo-repo — how fast `npm start`'s demo fleet repository answers a Git client while the
// control plane is busy. Baseline: `git ls-remote` on the same bare repository over file://, git
// alone with no HTTP. Rows: the server in a process of its own (what `npm start` runs), and the
// same server inside a process whose event loop is busy (20 ms of work every 25 ms, a loaded hub),
// which is where it ran before. Prints medians over N clients, and ratios against the baseline.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDemoRepo } from '../../apps/control-plane/src/embedded/demo/demo-repo-server.js';
import { startDemoRepoProcess } from '../../apps/control-plane/src/embedded/demo/repo-process.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const run = promisify(execFile);

async function medianMs(url: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run('git', ['ls-remote', url], { timeout: 60_000 });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const root = await mkdtemp(join(tmpdir(), 'flotilla-bench-demo-repo-'));
const own = await startDemoRepoProcess({ root: join(root, 'own'), port: 0, helm: false });
const inside = await startDemoRepo({ root: join(root, 'inside'), port: 0 });
try {
  const base = await medianMs(`file://${own.repoPath}`);
  const ownMs = await medianMs(own.url);
  const busy = setInterval(() => {
    const end = Date.now() + 20;
    while (Date.now() < end);
  }, 25);
  const insideMs = await medianMs(inside.git.url);
  clearInterval(busy);
  const row = (name: string, ms: number) =>
    console.log(`${name.padEnd(52)} ${ms.toFixed(1).padStart(8)} ms ${(ms / base).toFixed(2).padStart(7)}×`);
  console.log(`git ls-remote, median of ${RUNS}                              time   vs git`);
  row('baseline: git over file:// (no HTTP)', base);
  row('demo repository in its own process (npm start)', ownMs);
  row('same server inside a busy process (before)', insideMs);
} finally {
  await own.close();
  await inside.close();
  await rm(root, { recursive: true, force: true });
}

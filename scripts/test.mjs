#!/usr/bin/env node
// `npm test`: the whole suite. Installs what the tests need, uses the PostgreSQL server at
// DATABASE_URL when set (CI points it at the machine's server) and otherwise starts an embedded
// one in a throwaway folder; tests start their own nats-server, git and kube-sim processes.
// Arguments are passed to vitest (e.g. `npm test -- libs/gitops`).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ensurePrerequisites } from './lib/prerequisites.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
await ensurePrerequisites(root, { kubectl: true, helm: true, chromium: true, gnupg: true });

let embedded;
let scratch;
if (!process.env.DATABASE_URL) {
  // TypeScript from here on: dependencies are installed now, so SWC can be registered.
  register('@swc-node/register/esm', import.meta.url);
  const { startEmbeddedPostgres } = await import('@flotilla/local-infra');
  scratch = mkdtempSync(join(tmpdir(), 'flotilla-test-pg-'));
  console.error('[setup] DATABASE_URL is not set: starting an embedded PostgreSQL for this run…');
  embedded = await startEmbeddedPostgres({
    dataDir: join(scratch, 'data'),
    database: 'postgres_tests',
    notice: (m) => console.error(`[setup] ${m}`),
  });
  process.env.DATABASE_URL = embedded.url;
}

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const report = join(mkdtempSync(join(tmpdir(), 'flotilla-test-report-')), 'report.json');
const reporters = ['--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
const child = spawn(process.execPath, [vitest, 'run', ...reporters, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});
const stopChild = (sig) => child.kill(sig);
process.on('SIGINT', stopChild);
process.on('SIGTERM', stopChild);
const code = await new Promise((res) => child.on('exit', (c, s) => res(c ?? (s ? 1 : 0))));
if (embedded) {
  await embedded.stop().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
}
printSummary(report);
rmSync(dirname(report), { recursive: true, force: true });
process.exit(code);

/**
 * The slowest test files (vitest's report times a file from its first test, after its set-up
 * hooks), then one plain closing line,
 * `tests: N passed, N failed, N skipped`, read from vitest's JSON report.
 */
function printSummary(file) {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    const files = (r.testResults ?? [])
      .map((f) => ({ name: relative(root, f.name), ms: (f.endTime ?? 0) - (f.startTime ?? 0) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 8);
    if (files.length > 0) {
      console.log('slowest files (from their first test to their end; set-up before it is not counted):');
      for (const f of files) console.log(`  ${(f.ms / 1000).toFixed(1).padStart(6)} s  ${f.name}`);
    }
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  } catch {
    console.log('tests: 0 passed, 1 failed (no test report was written)');
  }
}

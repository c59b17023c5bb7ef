import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';
import { slowdown } from './libs/testing/src/slowdown.js';

/**
 * Test files run in parallel: every test makes its own database, nats-server, ports and temp
 * folders. FLOTILLA_TEST_WORKERS sets how many files run at once (default: twice the cores, at
 * least 2 — most of a test's time is spent waiting on child processes, not computing).
 */
function workers(): number {
  const raw = process.env['FLOTILLA_TEST_WORKERS'];
  if (raw === undefined || raw.trim() === '') return Math.max(2, availableParallelism() * 2);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new Error(`FLOTILLA_TEST_WORKERS must be a whole number from 1 to 64, got ${JSON.stringify(raw)}`);
  return n;
}

const maxWorkers = workers();
// Timeouts stretch with the machine's load, counting the load our own workers are about to add
// (FLOTILLA_TEST_SLOWDOWN overrides; see libs/testing/src/slowdown.ts).
const factor = slowdown({ extraLoad: maxWorkers / 2 });

// One config for the whole workspace. SWC (not esbuild) compiles TypeScript so that
// NestJS gets decorator metadata.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    // graphql 16 ships index.js and index.mjs without an exports map; Nest and Apollo load the
    // CommonJS copy, so our code must too, or instanceof checks fail across two copies.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    include: [
      'apps/*/src/**/*.spec.ts',
      'libs/*/src/**/*.spec.ts',
      'apps/*/test/**/*.int-spec.ts',
      'libs/*/test/**/*.int-spec.ts',
      'test/e2e/**/*.e2e-spec.ts',
      'infra/test/**/*.int-spec.ts',
    ],
    testTimeout: Math.ceil(30_000 * factor),
    hookTimeout: Math.ceil(60_000 * factor),
    teardownTimeout: Math.ceil(30_000 * factor),
    // expect.poll() without its own timeout waits this long (vitest's default is 1 s).
    expect: { poll: { timeout: Math.ceil(5_000 * factor) } },
    pool: 'forks',
    // A worker keeps its loaded modules from one test file to the next (tests share no module
    // state: each makes its own app, database and servers). Re-importing NestJS, Apollo and
    // TypeORM for every file cost about 80 % of the import time (249 s → 48 s summed over the
    // control plane's 32 files).
    isolate: false,
    maxWorkers,
    fileParallelism: maxWorkers > 1,
  },
});

#!/usr/bin/env node
// `npm run bench [name]`: runs test/bench/<name>.bench.ts (all of them without a name).
// Benchmarks print tables with ratios against a baseline measured in the same run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'test', 'bench');
const all = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
const wanted = process.argv[2] ? [process.argv[2]] : all;
let failed = 0;
for (const name of wanted) {
  if (!all.includes(name)) {
    console.error(`no benchmark named ${name}; have: ${all.join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== bench:${name} ==`);
  const r = spawnSync(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', join(benchDir, `${name}.bench.ts`), ...process.argv.slice(3)],
    {
      stdio: 'inherit',
      cwd: root,
    },
  );
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

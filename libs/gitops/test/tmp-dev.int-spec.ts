import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import type { CorpusEntry } from './conformance-outcome.js';
import { buildBothWays, pool } from './conformance-outcome.js';
import { FsTree } from './fs-tree.js';
import { REPO_ROOT } from './kubectl-reference.js';
const CORPUS = join(REPO_ROOT, 'libs/gitops/test/conformance');
it('dev', async () => {
  const index = JSON.parse(readFileSync(join(CORPUS, 'index.json'), 'utf8')) as { directories: CorpusEntry[] };
  const want = readFileSync(join(REPO_ROOT, 'dev-dirs.txt'), 'utf8').split('\n').filter(Boolean);
  const dirs = index.directories.filter((d) => want.some((w) => d.dir.startsWith(w)));
  const out = await pool(dirs, 3, (e) => buildBothWays(new FsTree(CORPUS), CORPUS, e));
  for (const o of out) console.log(JSON.stringify(o).slice(0, 600));
}, 600_000);

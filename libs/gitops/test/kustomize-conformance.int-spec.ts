/**
 * The conformance corpus (test/conformance, real public repositories, see index.json and each
 * folder's NOTICE): every directory is built by Flotilla and by the real `kubectl kustomize`, and
 * compared object by object. Outcomes go to test-results/kustomize-conformance.json. No directory
 * may differ; a refusal for a feature kubectl supports must be listed in known-gaps.json, exactly
 * (the list only shrinks); remote resources must be refused by name.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scaled } from '@flotilla/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CorpusEntry, Outcome } from './conformance-outcome.js';
import { buildBothWays, pool } from './conformance-outcome.js';
import { FsTree } from './fs-tree.js';
import { REPO_ROOT } from './kubectl-reference.js';

const CORPUS = join(REPO_ROOT, 'libs/gitops/test/conformance');
const REPORT = join(REPO_ROOT, 'test-results/kustomize-conformance.json');
/** kubectl runs as a child process per directory; three at once keep two cores busy without starving others. */
const CONCURRENCY = 3;

const index = JSON.parse(readFileSync(join(CORPUS, 'index.json'), 'utf8')) as { directories: CorpusEntry[] };
const knownGaps = JSON.parse(readFileSync(join(CORPUS, 'known-gaps.json'), 'utf8')) as Record<string, string>;
/** Differences found and not fixed yet, by class; being emptied (the target is none). */
const knownDifferences = JSON.parse(readFileSync(join(CORPUS, 'known-differences.json'), 'utf8')) as Record<
  string,
  string
>;

describe('kustomize conformance corpus: Flotilla against kubectl kustomize', () => {
  let outcomes: Outcome[] = [];
  let wallMs = 0;

  beforeAll(async () => {
    const tree = new FsTree(CORPUS);
    const started = Date.now();
    outcomes = await pool(index.directories, CONCURRENCY, (entry) => buildBothWays(tree, CORPUS, entry));
    wallMs = Date.now() - started;
    const counts: Record<string, number> = {};
    for (const o of outcomes) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
    mkdirSync(join(REPORT, '..'), { recursive: true });
    const identical = outcomes.flatMap((o) => (o.outcome === 'identical' ? [o] : []));
    const timesMs = {
      flotilla: identical.reduce((sum, o) => sum + o.flotillaMs, 0),
      kubectl: identical.reduce((sum, o) => sum + o.kubectlMs, 0),
    };
    const report = { directories: outcomes.length, counts, wallMs, timesMs, outcomes };
    writeFileSync(REPORT, JSON.stringify(report, null, 2) + '\n');
  }, scaled(600_000));

  it('holds several hundred directories from real repositories', () => {
    expect(index.directories.length).toBeGreaterThan(400);
    expect(outcomes.filter((o) => o.outcome === 'identical').length).toBeGreaterThan(300);
  });

  it('builds no directory differently from kubectl, but for the listed known differences', () => {
    const different = outcomes.filter((o) => o.outcome === 'different' && !(o.dir in knownDifferences));
    expect(different).toEqual([]);
    const stillDifferent = new Set(outcomes.filter((o) => o.outcome === 'different').map((o) => o.dir));
    expect(
      Object.keys(knownDifferences).filter((d) => !stillDifferent.has(d)),
      'fixed: remove from the list',
    ).toEqual([]);
  });

  it('refuses exactly the known gaps, each for the feature listed', () => {
    const refused = Object.fromEntries(
      outcomes.flatMap((o) => (o.outcome === 'refused' ? [[o.dir, o.feature] as const] : [])),
    );
    expect(refused).toEqual(knownGaps);
  });

  it('refuses remote resources by name', () => {
    const remote = index.directories.filter((d) => d.remote);
    expect(remote.length).toBeGreaterThan(10);
    const byDir = new Map(outcomes.map((o) => [o.dir, o]));
    for (const entry of remote) {
      const o = byDir.get(entry.dir);
      // a listed gap (or known difference) stops the build before the remote entry
      if (o?.outcome === 'refused' || entry.dir in knownDifferences) continue;
      expect(o?.outcome, entry.dir).toBe('remote-refused');
    }
    expect(outcomes.filter((o) => o.outcome === 'remote-refused').length).toBeGreaterThan(10);
  });

  it('lists no known gap for a directory that is not in the corpus', () => {
    const dirs = new Set(index.directories.map((d) => d.dir));
    expect(Object.keys(knownGaps).filter((d) => !dirs.has(d))).toEqual([]);
    expect(Object.keys(knownDifferences).filter((d) => !dirs.has(d))).toEqual([]);
  });
});

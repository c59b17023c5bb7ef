import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGit, startGitServer, type GitServer } from '@flotilla/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RevertWriter } from '../src/modules/rollouts/git/revert-writer.js';

const deploy = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ${image}\n`;

/** A repository with many files, a good commit, a bad one (changes a shared base, adds and deletes files) and a later unrelated commit. */
async function fleetRepo(git: GitServer) {
  const many = Object.fromEntries(
    Array.from({ length: 40 }, (_, i) => [`clusters/c${i}/cm.yaml`, `kind: ConfigMap\nmetadata: { name: c${i} }\n`]),
  );
  const good = await git.commit({
    files: {
      ...many,
      'bases/web/deploy.yaml': deploy('web:1.0'),
      'clusters/eu/old.yaml': 'kind: ConfigMap\n',
      'fleet.yaml': 'waves: [{ name: all, rest: true }]\n',
    },
    message: 'good',
  });
  const bad = await git.commit({
    files: {
      'bases/web/deploy.yaml': deploy('web:1.1-broken'),
      'clusters/canary/extra.yaml': 'kind: Secret\n',
      'clusters/eu/old.yaml': null,
    },
    message: 'bad',
  });
  const later = await git.commit({ files: { 'README.md': '# fleet\n' }, message: 'unrelated' });
  return { good, bad, later };
}

describe('revert commits (isomorphic-git, pushed over smart HTTP)', () => {
  let git: GitServer;
  let dir: string;
  let writer: RevertWriter;
  beforeEach(async () => {
    git = await startGitServer();
    await runGit(['config', 'http.receivepack', 'true'], { cwd: git.repoPath });
    dir = await mkdtemp(join(tmpdir(), 'flotilla-revert-'));
    writer = new RevertWriter({ url: git.url, branch: 'main', gitdir: join(dir, 'store') });
  });
  afterEach(async () => {
    await git.close();
    await rm(dir, { recursive: true, force: true });
  });
  const show = (rev: string, path: string) => runGit(['show', `${rev}:${path}`], { cwd: git.repoPath });
  const files = (rev: string) => runGit(['ls-tree', '-r', '--name-only', rev], { cwd: git.repoPath });

  it('reverts exactly the bad change on top of the head, keeps every other file, and is the new tip in git log', async () => {
    const { bad, later } = await fleetRepo(git);
    const result = await writer.revert({
      badRevision: bad,
      message: 'Revert rollout r-1 (bad)\n\nFailing clusters: canary\nReason: Degraded',
    });
    expect(result).toMatchObject({
      ok: true,
      parent: later,
      paths: ['bases/web/deploy.yaml', 'clusters/canary/extra.yaml', 'clusters/eu/old.yaml'],
    });
    if (!result.ok) return;
    const log = await runGit(['log', '--format=%H|%an|%s', '-n', '2', 'main'], { cwd: git.repoPath });
    expect(log.split('\n')).toEqual([
      `${result.revision}|Flotilla|Revert rollout r-1 (bad)`,
      `${later}|Flotilla Test|unrelated`,
    ]);
    expect(await show('main', 'bases/web/deploy.yaml')).toBe(deploy('web:1.0').trim());
    expect(await show('main', 'clusters/eu/old.yaml')).toBe('kind: ConfigMap');
    expect(await show('main', 'README.md')).toBe('# fleet');
    const after = (await files('main')).split('\n');
    expect(after).not.toContain('clusters/canary/extra.yaml');
    expect(after).toHaveLength(44); // 40 clusters + base + old.yaml + fleet.yaml + README
    expect(await runGit(['diff', '--name-only', `${bad}^`, 'main'], { cwd: git.repoPath })).toBe('README.md');
  });

  it('reverts against an explicit base when a rollout spanned several commits', async () => {
    const { good, later } = await fleetRepo(git);
    const result = await writer.revert({ badRevision: later, baseRevision: good, message: 'Revert rollout r-2' });
    expect(result).toMatchObject({
      ok: true,
      paths: ['README.md', 'bases/web/deploy.yaml', 'clusters/canary/extra.yaml', 'clusters/eu/old.yaml'],
    });
    expect(await runGit(['diff', '--name-only', good, 'main'], { cwd: git.repoPath })).toBe('');
  });

  it('refuses, without pushing, when a reverted path changed again after the bad commit', async () => {
    const { bad } = await fleetRepo(git);
    const tip = await git.commit({ files: { 'bases/web/deploy.yaml': deploy('web:1.2') }, message: 'fix forward' });
    await expect(writer.revert({ badRevision: bad, message: 'x' })).resolves.toEqual({
      ok: false,
      reason: `cannot revert ${bad.slice(0, 12)}: bases/web/deploy.yaml changed again after it (conflict)`,
    });
    expect(await runGit(['rev-parse', 'main'], { cwd: git.repoPath })).toBe(tip);
  });

  it('returns the refusal of a protected branch as the reason', async () => {
    const { bad, later } = await fleetRepo(git);
    const hook = join(git.repoPath, 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\necho "main is protected" >&2\nexit 1\n');
    await chmod(hook, 0o755);
    const result = await writer.revert({ badRevision: bad, message: 'x' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^push of [0-9a-f]{12} to main refused: /);
    expect(await runGit(['rev-parse', 'main'], { cwd: git.repoPath })).toBe(later);
  });

  it('returns the refusal when the branch moved between building and pushing (no force push)', async () => {
    const { bad } = await fleetRepo(git);
    const prepared = await writer.prepare({ badRevision: bad, message: 'x' });
    expect(prepared.ok).toBe(true);
    const moved = await git.commit({ files: { 'other.yaml': 'a: 1\n' }, message: 'someone else' });
    const pushed = await writer.push(prepared.ok ? prepared.revision : '');
    expect(pushed.ok).toBe(false);
    expect(await runGit(['rev-parse', 'main'], { cwd: git.repoPath })).toBe(moved);
  });
});

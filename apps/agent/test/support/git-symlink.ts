/** Commits a symlink (mode 120000) into a bare repo with git plumbing — commitFiles only writes regular files. */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGit } from '@flotilla/testing';

export async function commitSymlink(repoPath: string, path: string, target: string, branch = 'main'): Promise<string> {
  const ref = `refs/heads/${branch}`;
  const parent = await runGit(['rev-parse', '--verify', `${ref}^{commit}`], { cwd: repoPath });
  const index = join(tmpdir(), `flotilla-agent-index-${randomBytes(6).toString('hex')}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    await runGit(['read-tree', parent], { cwd: repoPath, env });
    const blob = await runGit(['hash-object', '-w', '--stdin'], { cwd: repoPath, input: target });
    await runGit(['update-index', '--index-info'], { cwd: repoPath, env, input: `120000 ${blob}\t${path}\n` });
    const tree = await runGit(['write-tree'], { cwd: repoPath, env });
    const commit = await runGit(['commit-tree', tree, '-p', parent, '-m', `symlink ${path}`], { cwd: repoPath });
    await runGit(['update-ref', ref, commit, parent], { cwd: repoPath });
    return commit;
  } finally {
    await rm(index, { force: true });
  }
}

/** Real git, driven from tests: run a command, and commit files straight into a bare repository. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitRunOptions {
  cwd: string;
  env?: Record<string, string>;
  input?: string | Buffer;
}

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Flotilla Test',
  GIT_AUTHOR_EMAIL: 'test@flotilla.invalid',
  GIT_COMMITTER_NAME: 'Flotilla Test',
  GIT_COMMITTER_EMAIL: 'test@flotilla.invalid',
};

/** Runs git and returns its trimmed stdout; the error names the command and git's stderr. */
export function runGit(args: string[], opts: GitRunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd: opts.cwd,
        env: { ...process.env, ...IDENTITY, GIT_TERMINAL_PROMPT: '0', ...opts.env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`git ${args.join(' ')} failed: ${stderr.trim() || error.message}`, { cause: error }));
        else resolve(stdout.trim());
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export interface CommitFilesOptions {
  /** Path → new content; `null` deletes the path. Other files stay as they are. */
  files: Record<string, string | Buffer | null>;
  message: string;
  branch?: string;
}

/**
 * Commits on top of the branch tip in a bare repository (plumbing only, no working tree, no
 * push) and returns the new commit SHA. Creates the branch when it does not exist yet.
 */
export async function commitFiles(repoPath: string, opts: CommitFilesOptions): Promise<string> {
  const branch = opts.branch ?? 'main';
  const ref = `refs/heads/${branch}`;
  const parent = await runGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: repoPath }).catch(
    () => '',
  );
  const index = join(tmpdir(), `flotilla-git-index-${randomBytes(6).toString('hex')}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    if (parent) await runGit(['read-tree', parent], { cwd: repoPath, env });
    else await runGit(['read-tree', '--empty'], { cwd: repoPath, env });
    const lines: string[] = [];
    for (const [path, content] of Object.entries(opts.files)) {
      if (path.startsWith('/') || path.split('/').includes('..') || /[\t\n]/.test(path)) {
        throw new Error(`commitFiles: path must be relative inside the repo: ${JSON.stringify(path)}`);
      }
      if (content === null) lines.push(`0 ${'0'.repeat(40)}\t${path}`);
      else
        lines.push(
          `100644 ${await runGit(['hash-object', '-w', '--stdin'], { cwd: repoPath, input: content })}\t${path}`,
        );
    }
    // --index-info works without a working tree (a bare repo); mode 0 removes the path.
    await runGit(['update-index', '--index-info'], { cwd: repoPath, env, input: `${lines.join('\n')}\n` });
    const tree = await runGit(['write-tree'], { cwd: repoPath, env });
    const commit = await runGit(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', opts.message], {
      cwd: repoPath,
    });
    // Compare-and-swap on the old tip: a concurrent push makes this fail instead of losing it.
    await runGit(['update-ref', ref, commit, parent || '0'.repeat(40)], { cwd: repoPath });
    return commit;
  } finally {
    await rm(index, { force: true });
  }
}

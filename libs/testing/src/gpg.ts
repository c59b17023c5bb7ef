/**
 * Real GnuPG for signed-commit tests: a throwaway GNUPGHOME with one ed25519 key (no passphrase),
 * its armored public and secret key, and commits signed by real `git commit-tree -S` in a bare
 * repository. gpg missing is an error, never a skip: install `gnupg` (scripts/lib/prerequisites.mjs).
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitFiles, runGit, type CommitFilesOptions } from '@flotilla/local-infra';

export const GPG = '/usr/bin/gpg';

export interface GpgKey {
  /** The GNUPGHOME holding the key. */
  home: string;
  fingerprint: string;
  userId: string;
  publicKey: string;
  secretKey: string;
  /** Commits files on top of the branch (like commitFiles), signed by this key with git + gpg. */
  commitSigned(repoPath: string, opts: CommitFilesOptions): Promise<string>;
  /** Stops this home's gpg-agent and removes the home. */
  close(): Promise<void>;
}

function run(cmd: string, args: string[], env: Record<string, string>, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr.trim() || error.message}`, { cause: error }));
        else resolve(stdout);
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Creates a GNUPGHOME with a fresh ed25519 signing key. Throws (naming gnupg) when gpg is not installed. */
export async function createGpgKey(opts: { name: string; email: string }): Promise<GpgKey> {
  await run(GPG, ['--version'], {}).catch((e: unknown) => {
    throw new Error(
      `GnuPG is required for the signed-commit tests and was not found at ${GPG}: install the Debian package gnupg (${(e as Error).message})`,
    );
  });
  const home = await mkdtemp(join(tmpdir(), 'fl-gpg-'));
  await chmod(home, 0o700);
  const env = { GNUPGHOME: home };
  const userId = `${opts.name} <${opts.email}>`;
  await run(GPG, ['--batch', '--passphrase', '', '--quick-gen-key', userId, 'ed25519', 'sign', 'never'], env);
  const colons = await run(GPG, ['--batch', '--with-colons', '--list-secret-keys', opts.email], env);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(colons)?.[1];
  if (!fingerprint) throw new Error(`gpg made no key for ${userId}: ${colons}`);
  const publicKey = await run(GPG, ['--batch', '--armor', '--export', fingerprint], env);
  const secretKey = await run(
    GPG,
    ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--export-secret-keys', fingerprint],
    env,
  );
  return {
    home,
    fingerprint,
    userId,
    publicKey,
    secretKey,
    commitSigned: async (repoPath, c) => {
      const ref = `refs/heads/${c.branch ?? 'main'}`;
      const unsigned = await commitFiles(repoPath, c);
      const [tree, ...parents] = (await runGit(['log', '-1', '--format=%T %P', unsigned], { cwd: repoPath }))
        .split(/\s+/)
        .filter(Boolean);
      const args = ['commit-tree', `-S${fingerprint}`, tree!, ...parents.flatMap((p) => ['-p', p]), '-F', '-'];
      const signed = await runGit(args, {
        cwd: repoPath,
        env: { ...env, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'gpg.program', GIT_CONFIG_VALUE_0: GPG },
        input: c.message,
      });
      await runGit(['update-ref', ref, signed, unsigned], { cwd: repoPath });
      return signed;
    },
    close: async () => {
      await run('gpgconf', ['--kill', 'gpg-agent'], env).catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}

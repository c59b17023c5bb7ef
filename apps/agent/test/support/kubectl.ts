/** The pinned real kubectl (scripts/setup-kubectl.mjs) run against a kube-sim, with its own discovery cache dir. */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scaled } from '@flotilla/testing';

const REPO_ROOT = resolve(import.meta.dirname, '../../../..');

export async function kubectlPath(): Promise<string> {
  const mod = (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'setup-kubectl.mjs')).href)) as {
    ensureKubectl: () => string;
  };
  return mod.ensureKubectl();
}

export function kubectl(bin: string, kubeconfig: string, cacheDir: string, args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    execFile(
      bin,
      ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args],
      { timeout: scaled(20_000) },
      (err, stdout, stderr) => {
        if (err) rej(new Error(`kubectl ${args.join(' ')} failed: ${stderr || err.message}`));
        else res(stdout);
      },
    );
  });
}

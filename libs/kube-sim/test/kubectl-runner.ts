// Runs the pinned real kubectl (from scripts/setup-kubectl.mjs) against a kube-sim, each
// instance with its own discovery cache directory.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scaled } from '@flotilla/testing';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export async function kubectlPath(): Promise<string> {
  const mod = (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'setup-kubectl.mjs')).href)) as {
    ensureKubectl: () => string;
  };
  return mod.ensureKubectl();
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export class Kubectl {
  readonly dir = mkdtempSync(join(tmpdir(), 'kube-sim-kubectl-'));

  constructor(
    private bin: string,
    private kubeconfig: string,
  ) {}

  private args(args: string[]): string[] {
    return ['--kubeconfig', this.kubeconfig, '--cache-dir', join(this.dir, 'cache'), ...args];
  }

  run(...args: string[]): Promise<Result> {
    return new Promise((done) => {
      execFile(this.bin, this.args(args), { timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
        done({ code, stdout, stderr });
      });
    });
  }

  /** Writes a manifest into the temp dir and returns its path. */
  file(name: string, yaml: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, yaml);
    return p;
  }

  /** Starts a long-running kubectl (get -w); collects its stdout. */
  spawn(...args: string[]): { child: ChildProcess; output: () => string } {
    const child = spawn(this.bin, this.args(args), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    return { child, output: () => out };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + scaled(timeoutMs);
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Runs the real `flotilla` binary as a child process with its own config directory. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaled } from '@flotilla/testing';

const BIN = fileURLToPath(new URL('../../bin/flotilla.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunner {
  /** XDG_CONFIG_HOME of this runner (the login file lives below it). */
  configHome: string;
  run(
    args: string[],
    opts?: { env?: Record<string, string>; stdin?: string; timeoutMs?: number; onStdout?: (all: string) => void },
  ): Promise<CliResult>;
  close(): void;
}

export function cliRunner(baseEnv: Record<string, string> = {}): CliRunner {
  const configHome = mkdtempSync(join(tmpdir(), 'flotilla-cli-'));
  return {
    configHome,
    run(args, opts = {}) {
      return new Promise((resolve, reject) => {
        const { FLOTILLA_SERVER: _s, FLOTILLA_TOKEN: _t, ...inherited } = process.env;
        const child = spawn(process.execPath, [BIN, ...args], {
          env: { ...inherited, XDG_CONFIG_HOME: configHome, NO_COLOR: '1', ...baseEnv, ...opts.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          opts.onStdout?.(stdout);
        });
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(
          () => {
            child.kill('SIGKILL');
            reject(
              new Error(`flotilla ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`),
            );
          },
          scaled(opts.timeoutMs ?? 20_000),
        );
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        child.stdin.end(opts.stdin ?? '');
      });
    },
    close: () => rmSync(configHome, { recursive: true, force: true }),
  };
}

/** Runs many CLI invocations, at most `limit` at a time (2 cores: a burst of starts slows them all). */
export async function runAll<T>(items: T[], fn: (item: T) => Promise<CliResult>, limit = 4): Promise<CliResult[]> {
  const results: CliResult[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

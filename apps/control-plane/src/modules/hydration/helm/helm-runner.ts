/**
 * Runs the pinned helm binary once: an isolated HELM_*_HOME under the render's own folder, no
 * plugins, no inherited environment, a time limit (the process is killed) and an output limit.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface HelmRunOptions {
  bin: string;
  args: readonly string[];
  /** The render's private folder; helm's config, cache, data and plugin homes go under it. */
  home: string;
  timeoutMs: number;
  maxOutputBytes: number;
}

export const HelmRunFailure = { Exit: 'exit', Timeout: 'timeout', OutputTooLarge: 'output-too-large' } as const;
export type HelmRunFailure = (typeof HelmRunFailure)[keyof typeof HelmRunFailure];

export class HelmRunError extends Error {
  constructor(
    readonly failure: HelmRunFailure,
    message: string,
  ) {
    super(message);
  }
}

const MAX_STDERR = 16 * 1024;

/** Resolves helm's stdout; rejects with a HelmRunError whose message carries helm's own error line(s). */
export function runHelm(opts: HelmRunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = {
      HOME: opts.home,
      HELM_CONFIG_HOME: join(opts.home, 'config'),
      HELM_CACHE_HOME: join(opts.home, 'cache'),
      HELM_DATA_HOME: join(opts.home, 'data'),
      HELM_PLUGINS: join(opts.home, 'plugins'),
    };
    const child = spawn(opts.bin, [...opts.args], { cwd: opts.home, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let failed: HelmRunError | undefined;
    const stop = (e: HelmRunError): void => {
      failed ??= e;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => stop(new HelmRunError(HelmRunFailure.Timeout, `helm ran longer than ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.byteLength;
      if (outBytes > opts.maxOutputBytes)
        stop(new HelmRunError(HelmRunFailure.OutputTooLarge, `helm printed more than ${opts.maxOutputBytes} bytes`));
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < MAX_STDERR) err += chunk.toString('utf8');
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new HelmRunError(HelmRunFailure.Exit, `cannot run helm (${opts.bin}): ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failed) reject(failed);
      else if (code !== 0)
        reject(
          new HelmRunError(HelmRunFailure.Exit, err.trim().slice(0, MAX_STDERR) || `helm exited ${code ?? signal}`),
        );
      else resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}

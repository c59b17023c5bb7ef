/** A control plane as a separate OS process (apps/control-plane/src/main.ts), configured like a harness one. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Harness } from './harness.js';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

export interface ControlPlaneProcess {
  child: ChildProcess;
  url: string;
  /** kill -9, resolved once the process is gone. */
  kill(): Promise<void>;
}

/** Starts main.ts with the harness's config (same database and NATS) on a free port. */
export function spawnControlPlane(h: Harness, env: Record<string, string> = {}): Promise<ControlPlaneProcess> {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(h.config)) if (v !== undefined && v !== null) vars[k] = String(v);
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'apps/control-plane/src/main.ts'],
    {
      cwd: ROOT,
      env: { ...process.env, ...vars, LOG_LEVEL: 'info', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await gone;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) {
        out = '';
        resolve({ child, url: m[1]!, kill });
      }
    });
    child.once('exit', (code) => reject(new Error(`control plane exited with ${code} before listening`)));
  });
}

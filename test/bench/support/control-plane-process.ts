/** Benchmark support: the control plane in its own process (as deployed), and a bounded work pool. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ControlPlaneProcess {
  child: ChildProcess;
  /** Resolves with the URL the control plane logs once it listens. */
  url: Promise<string>;
}

export function spawnControlPlane(env: Record<string, string>): ControlPlaneProcess {
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'apps/control-plane/src/main.ts'],
    {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`control plane exited with ${code} before listening`)));
  });
  return { child, url };
}

/** SIGTERM, then waits for the exit. */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Runs `fn` over `items`, `n` at a time. */
export async function pool<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

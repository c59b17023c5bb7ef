/** Child processes (of tests and `npm start`): a bounded log tail, a graceful stop, and no orphans on exit. */
import { spawn, type ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export interface ManagedProcess {
  child: ChildProcess;
  /** Last few KiB of stdout+stderr, for error messages. */
  logTail(): string;
  exited: Promise<number | null>;
  stop(timeoutMs?: number): Promise<void>;
}

export interface StartProcessOptions {
  /**
   * Run the child in a process group of its own, so that a terminal's Ctrl-C (sent to the whole
   * foreground group) reaches only us and we stop the child in order, after what uses it.
   */
  ownProcessGroup?: boolean;
}

export function startProcess(command: string, args: string[], opts: StartProcessOptions = {}): ManagedProcess {
  installExitHook();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: opts.ownProcessGroup === true });
  live.add(child);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      keep(Buffer.from(`spawn failed: ${error.message}\n`));
      live.delete(child);
      resolve(null);
    });
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  return {
    child,
    logTail: () => tail,
    exited,
    async stop(timeoutMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null || !live.has(child)) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The PostgreSQL processes themselves: initdb once, then the postmaster, as the OS user
 * `postgres` when we are root. The postmaster runs in a process group of its own so that a
 * terminal's Ctrl-C reaches only us and we stop it in order, after what uses it; it is still
 * stopped when our process exits, and one left behind by a killed earlier run is stopped first.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OsUser {
  uid: number;
  gid: number;
}

const C_LOCALE = { LC_ALL: 'C', LC_MESSAGES: 'C', LANG: 'C' };

/** The `postgres` OS user, created (a system user without a login) when missing. */
export function postgresOsUser(): OsUser {
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return lookup();
  } catch {
    execFileSync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
    return lookup();
  }
}

export interface InitdbOptions {
  nativeDir: string;
  dataDir: string;
  password: string;
  user?: OsUser;
}

/** Creates a cluster in `dataDir` (superuser `postgres`, password auth, UTF-8). */
export function initdb(opts: InitdbOptions): void {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  if (opts.user) chownSync(opts.dataDir, opts.user.uid, opts.user.gid);
  const pwDir = mkdtempSync(join(tmpdir(), 'flotilla-pg-init-'));
  const pwFile = join(pwDir, 'pw');
  try {
    writeFileSync(pwFile, `${opts.password}\n`, { mode: 0o600 });
    if (opts.user) {
      chownSync(pwDir, opts.user.uid, opts.user.gid);
      chownSync(pwFile, opts.user.uid, opts.user.gid);
    }
    const args = ['--pgdata', opts.dataDir, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwFile}`];
    execFileSync(join(opts.nativeDir, 'bin', 'initdb'), [...args, '--encoding=UTF8', '--locale=C'], {
      ...(opts.user ?? {}),
      env: { ...process.env, ...C_LOCALE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const err = error as { stderr?: Buffer; message: string };
    throw new Error(`initdb failed in ${opts.dataDir}: ${err.stderr?.toString().trim() || err.message}`);
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
}

export interface PostmasterOptions {
  nativeDir: string;
  dataDir: string;
  port: number;
  user?: OsUser;
  log: (line: string) => void;
  readyTimeoutMs?: number;
}

export interface Postmaster {
  stop(): Promise<void>;
  /** SIGKILL to the postmaster and every backend (its process group): a crash, as a machine dying. */
  kill(): Promise<void>;
}

/** Starts the postmaster on 127.0.0.1:`port` and resolves once it accepts connections. */
export async function startPostmaster(opts: PostmasterOptions): Promise<Postmaster> {
  await stopLeftover(opts.dataDir, opts.log);
  const args = ['-D', opts.dataDir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1'];
  const child = spawn(join(opts.nativeDir, 'bin', 'postgres'), [...args, '-c', 'unix_socket_directories='], {
    ...(opts.user ?? {}),
    env: { ...process.env, ...C_LOCALE },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const onExit = () => child.kill('SIGINT');
  process.once('exit', onExit);
  try {
    await ready(child, opts);
  } catch (error) {
    child.kill('SIGKILL');
    process.off('exit', onExit);
    throw error;
  }
  return {
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(force);
    },
    async kill() {
      process.off('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      await exited;
    },
  };
}

function ready(child: ChildProcess, opts: PostmasterOptions): Promise<void> {
  let tail = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`PostgreSQL did not start within ${opts.readyTimeoutMs ?? 60_000} ms: ${tail}`)),
      opts.readyTimeoutMs ?? 60_000,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-4096);
      for (const line of text.split('\n')) if (line.trim()) opts.log(line.trim());
      // A primary is "ready to accept connections", a hot standby "ready to accept read-only connections".
      if (/ready to accept (read-only )?connections/.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stdout?.resume();
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL could not be started: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited while starting (${signal ?? `code ${code}`}): ${tail.trim()}`));
    });
  });
}

/**
 * A postmaster of an earlier run whose parent was killed keeps the data folder locked. Stop it
 * when its parent is gone; refuse when a live process still owns it (another Flotilla).
 */
async function stopLeftover(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid) || !commandOf(pid).includes('postgres')) return;
  const parent = parentOf(pid);
  if (parent > 1 && alive(parent) && commandOf(parent).includes('node')) {
    throw new Error(`the PostgreSQL data folder ${dataDir} is in use by a running Flotilla (postgres pid ${pid})`);
  }
  log(`stopping PostgreSQL left running by an earlier run (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

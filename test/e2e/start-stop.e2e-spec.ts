/**
 * `npm start` stopped as a terminal stops it: Ctrl-C (SIGINT to the whole foreground process
 * group). Everything stops in order — the demo agents, the control plane, the demo repository, NATS,
 * PostgreSQL — with no error or warning line after "stopping", and no process of the run is left
 * behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, scaled } from '@flotilla/testing';
import { eventually } from '../../apps/control-plane/test/support/agent.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEMO_AGENTS = 6;
const ERROR_LINE = /(^|[^a-z])(error|fatal|unhandled|warn)/i;

/** Every descendant of `pid` (whatever its process group), with its command line. */
function descendants(pid: number): Map<number, string> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out = new Map<number, string>();
  const walk = (p: number) => {
    for (const [child, parent] of parentOf)
      if (parent === p && !out.has(child)) {
        const id = identityOf(child);
        if (id) out.set(child, id); // else already gone
        walk(child);
      }
  };
  walk(pid);
  return out;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** A process's start time (clock ticks after boot) and command line: a reused pid gets another. */
function identityOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]} ${commandOf(pid)}`;
  } catch {
    return '';
  }
}

/**
 * Warnings of pino JSON logs from the agent's NATS side (transport, report outbox, heartbeat):
 * what an agent logs when NATS stops before it does.
 */
function natsWarnings(log: string): string[] {
  return log
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .filter((l) => {
      const entry = JSON.parse(l) as { level: number; stage?: string };
      return entry.level >= 40 && ['transport', 'report', 'heartbeat'].includes(entry.stage ?? '');
    });
}

interface Run {
  child: ChildProcess;
  output(): string;
}

/** `npm start` with its data in `home` and free ports, in a process group of its own like a terminal's foreground job. */
async function launch(home: string): Promise<Run> {
  const [port, nats, monitor, git] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      FLOTILLA_HOME: join(home, '.flotilla'),
      PORT: String(port),
      FLOTILLA_NATS_PORT: String(nats),
      FLOTILLA_NATS_MONITOR_PORT: String(monitor),
      FLOTILLA_GIT_PORT: String(git),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  return { child, output: () => output };
}

/** SIGINT to the whole process group, as a terminal's Ctrl-C; resolves with the exit code or signal. */
function ctrlC(child: ChildProcess): Promise<string> {
  const exited = new Promise<string>((res) => child.once('exit', (code, signal) => res(signal ?? String(code))));
  process.kill(-child.pid!, 'SIGINT');
  return exited;
}

/** Processes that still name `folder` on their command line. */
function processesUsing(folder: string): string[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map((pid) => `${pid} ${commandOf(Number(pid))}`)
    .filter((line) => line.includes(folder));
}

describe('npm start: Ctrl-C', () => {
  let home: string;
  let child: ChildProcess;
  let run: Run;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'flotilla-start-stop-'));
    await chmod(home, 0o755); // as root, the embedded PostgreSQL runs as the OS user postgres
    run = await launch(home);
    child = run.child;
    await eventually(
      async () => run.output().includes('Flotilla is running') || child.exitCode !== null,
      240_000,
      'npm start',
    );
    if (child.exitCode !== null) throw new Error(`npm start exited:\n${run.output()}`);
  }, scaled(300_000));

  afterAll(async () => {
    // After a failure: stop what is left, own process groups included, then the folder.
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      const left = descendants(child.pid);
      process.kill(-child.pid, 'SIGINT');
      await eventually(
        async () => child.exitCode !== null || child.signalCode !== null,
        60_000,
        'npm start to exit',
      ).catch(() => process.kill(-child.pid!, 'SIGKILL'));
      for (const [pid, id] of left) if (identityOf(pid) === id) process.kill(pid, 'SIGKILL');
    }
    await rm(home, { recursive: true, force: true });
  }, scaled(120_000));

  it(
    'stops the agents, the control plane, NATS and PostgreSQL in order, quietly, and leaves nothing running',
    async () => {
      const logs = join(home, '.flotilla', 'logs');
      const agentLog = (name: string) => readFileSync(join(logs, name), 'utf8');
      const started = () =>
        existsSync(logs) &&
        readdirSync(logs).filter((f) => f.startsWith('agent-') && agentLog(f).includes('"agent: started"')).length ===
          DEMO_AGENTS;
      await eventually(async () => started(), 120_000, `${DEMO_AGENTS} demo agents started`);

      const running = descendants(child.pid!);
      const commands = [...running.values()];
      expect(commands.filter((c) => c.includes('/agent-build/apps/agent/src/main.js'))).toHaveLength(DEMO_AGENTS);
      expect(commands.some((c) => c.includes('nats-server'))).toBe(true);
      // The demo repository is served from a process of its own, stopped with the rest.
      expect(commands.filter((c) => c.includes('repo-server-main'))).toHaveLength(1);
      expect(commands.some((c) => /\bpostgres\b.* -D /.test(c))).toBe(true);

      const exit = await ctrlC(child);
      // npm ends itself with the signal it got (or reports it as 130), whatever the script's own exit code.
      expect(['0', '130', 'SIGINT'], run.output()).toContain(exit);

      const afterStopping = run.output().slice(run.output().indexOf(': stopping'));
      expect(run.output()).toContain('SIGINT: stopping');
      expect(
        afterStopping.split('\n').filter((l) => ERROR_LINE.test(l)),
        run.output(),
      ).toEqual([]);
      // The agents stopped while NATS still ran: no reconnect or undelivered-report warnings, a clean "agent: stopped".
      for (const f of readdirSync(logs).filter((n) => n.startsWith('agent-'))) {
        const text = agentLog(f);
        const tail = text.slice(text.lastIndexOf('"agent: stopping"'));
        expect(natsWarnings(tail), f).toEqual([]);
        expect(tail, f).toContain('"agent: stopped"');
      }
      const left = () =>
        [...running].filter(([pid, id]) => identityOf(pid) === id).map(([pid, cmd]) => `${pid} ${cmd}`);
      await eventually(async () => left().length === 0, 30_000, 'every process of the run gone').catch(() => undefined);
      expect(left()).toEqual([]);
    },
    scaled(300_000),
  );
});

describe('npm start: Ctrl-C while starting', () => {
  let home: string;
  let run: Run | undefined;

  afterAll(async () => {
    if (run && run.child.exitCode === null && run.child.signalCode === null) process.kill(-run.child.pid!, 'SIGKILL');
    for (const line of home ? processesUsing(home) : []) process.kill(Number(line.split(' ')[0]), 'SIGKILL');
    if (home) await rm(home, { recursive: true, force: true });
  }, scaled(60_000));

  it(
    'stops what already runs, quietly, and leaves nothing running',
    async () => {
      home = await mkdtemp(join(tmpdir(), 'flotilla-start-stop-early-'));
      await chmod(home, 0o755);
      run = await launch(home);
      const r = run;
      // PostgreSQL runs and NATS is starting.
      await eventually(async () => r.output().includes('[2/5]') || r.child.exitCode !== null, 240_000, 'step 2/5');
      const exit = await ctrlC(r.child);
      expect(['0', '130', 'SIGINT'], r.output()).toContain(exit);
      const afterStopping = r.output().slice(r.output().indexOf(': stopping'));
      expect(r.output()).toContain('SIGINT: stopping');
      expect(r.output()).not.toContain('Flotilla is running');
      expect(
        afterStopping.split('\n').filter((l) => ERROR_LINE.test(l)),
        r.output(),
      ).toEqual([]);
      await eventually(async () => processesUsing(home).length === 0, 30_000, 'every process of the run gone').catch(
        () => undefined,
      );
      expect(processesUsing(home)).toEqual([]);
    },
    scaled(300_000),
  );
});

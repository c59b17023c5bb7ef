/**
 * `npm start` stopped as a terminal stops it: Ctrl-C (SIGINT to the whole foreground process
 * group). Everything stops in order — the demo agents, the control plane, NATS, PostgreSQL — with
 * no error or warning line after "stopping", and no process of the run is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@flotilla/testing';
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
        out.set(child, commandOf(child));
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

/** Lines of pino JSON logs at warn (40) or above. */
function warnings(log: string): string[] {
  return log
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .filter((l) => (JSON.parse(l) as { level: number }).level >= 40);
}

describe('npm start: Ctrl-C', () => {
  let home: string;
  let child: ChildProcess;
  let output = '';

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'flotilla-start-stop-'));
    await chmod(home, 0o755); // as root, the embedded PostgreSQL runs as the OS user postgres
    const [port, nats, monitor, git] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    child = spawn('npm', ['start'], {
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
      detached: true, // a process group of its own, like a terminal's foreground job
    });
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    await eventually(
      async () => output.includes('Flotilla is running') || child.exitCode !== null,
      240_000,
      'npm start',
    );
    if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
  }, 300_000);

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
      for (const [pid, cmd] of left) if (commandOf(pid) === cmd) process.kill(pid, 'SIGKILL');
    }
    await rm(home, { recursive: true, force: true });
  }, 120_000);

  it('stops the agents, the control plane, NATS and PostgreSQL in order, quietly, and leaves nothing running', async () => {
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
    expect(commands.some((c) => /\bpostgres\b.* -D /.test(c))).toBe(true);

    const exited = new Promise<string>((res) => child.once('exit', (code, signal) => res(signal ?? String(code))));
    process.kill(-child.pid!, 'SIGINT');
    // npm ends itself with the signal it got (or reports it as 130), whatever the script's own exit code.
    expect(['0', '130', 'SIGINT'], output).toContain(await exited);

    const afterStopping = output.slice(output.indexOf(': stopping'));
    expect(output).toContain('SIGINT: stopping');
    expect(
      afterStopping.split('\n').filter((l) => ERROR_LINE.test(l)),
      output,
    ).toEqual([]);
    // The agents stopped while NATS still ran: no reconnect warnings, a clean "agent: stopped".
    for (const f of readdirSync(logs).filter((n) => n.startsWith('agent-'))) {
      const text = agentLog(f);
      const tail = text.slice(text.lastIndexOf('"agent: stopping"'));
      expect(warnings(tail), f).toEqual([]);
      expect(tail, f).toContain('"agent: stopped"');
    }
    await eventually(
      async () => [...running].every(([pid, cmd]) => commandOf(pid) !== cmd),
      30_000,
      'every process of the run gone',
    );
  }, 300_000);
});

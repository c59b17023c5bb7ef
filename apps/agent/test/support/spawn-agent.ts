/** Starts test/support/agent-child.ts as its own Node process, connected as the cluster's agent user. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { agentPermissions, subjects } from '@flotilla/protocol';
import type { TestNats } from '@flotilla/testing';
import { AGENT_NODE_OPTIONS } from '../../src/node-options.js';

export interface AgentChild {
  proc: ChildProcess;
  /** The agent's JSON log lines (at the level asked for). */
  logs: Array<Record<string, unknown>>;
  /** Triggers a resync in the agent; resolves with its duration and the requests it sent. */
  resync(): Promise<{ ms: number; requests: number }>;
  /** Resident set size in bytes (after a GC). */
  rss(): Promise<number>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function spawnAgent(o: {
  nats: TestNats;
  clusterId: string;
  stateDir: string;
  kubeconfig: string;
  resyncSeconds?: number;
  logLevel?: string;
  compiled?: string;
}): Promise<AgentChild> {
  const inboxPrefix = subjects.agentInboxPrefix(o.clusterId);
  const creds = await o.nats.userFor(agentPermissions(o.clusterId), { inboxPrefix });
  const settings = {
    clusterId: o.clusterId,
    stateDir: o.stateDir,
    kubeconfig: o.kubeconfig,
    natsUrl: o.nats.url,
    jwt: creds.jwt,
    seed: creds.seed,
    inboxPrefix,
    resyncSeconds: o.resyncSeconds,
  };
  const proc = spawn(
    process.execPath,
    [
      ...(process.env['AGENT_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['AGENT_PROF']] : []),
      '--expose-gc',
      ...AGENT_NODE_OPTIONS,
      ...(o.compiled
        ? [o.compiled]
        : ['--import', '@swc-node/register/esm-register', join(import.meta.dirname, 'agent-child.ts')]),
    ],
    {
      env: {
        ...process.env,
        FLOTILLA_TEST_AGENT: JSON.stringify(settings),
        ...(o.logLevel ? { AGENT_TEST_LOG: o.logLevel } : {}),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const logs: Array<Record<string, unknown>> = [];
  createInterface({ input: proc.stderr! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      process.stderr.write(`${line}\n`);
    }
  });
  const lines = createInterface({ input: proc.stdout! });
  const waiters: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiters.shift()?.(line));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      waiters.push(resolve);
      proc.once('exit', (code) => reject(new Error(`agent process exited (${code})`)));
    });
  const ready = await next();
  if (ready !== 'ready') throw new Error(`agent process said ${ready}`);
  return {
    proc,
    logs,
    async resync() {
      const answer = next();
      proc.stdin!.write('resync\n');
      const parts = (await answer).split(' ');
      return { ms: Number(parts[1]), requests: Number(parts[3]) };
    },
    async rss() {
      const answer = next();
      proc.stdin!.write('rss\n');
      return Number((await answer).split(' ')[1]);
    },
    async kill(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await exited;
    },
  };
}

/** Runs `flotilla-agent` as a separate OS process, as an operator would, and keeps its log. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AGENT_NODE_OPTIONS } from '../../../apps/agent/src/node-options.js';

const BIN = fileURLToPath(new URL('../../../apps/agent/bin/flotilla-agent.mjs', import.meta.url));

export interface AgentProcess {
  child: ChildProcess;
  log(): string;
  /** SIGKILL: the agent gets no chance to say goodbye. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function startAgentProcess(
  args: Record<string, string | number>,
  env: Record<string, string> = {},
): AgentProcess {
  const argv = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const child = spawn(process.execPath, [...AGENT_NODE_OPTIONS, BIN, ...argv], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (b: Buffer) => (log = (log + b.toString('utf8')).slice(-200_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    await exited;
  };
  return { child, log: () => log, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}

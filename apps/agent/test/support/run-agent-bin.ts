/** Runs the agent's real entry (bin/flotilla-agent.mjs) as a separate process, collecting its output. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AGENT_NODE_OPTIONS } from '../../src/node-options.js';

const BIN = fileURLToPath(new URL('../../bin/flotilla-agent.mjs', import.meta.url));

export function runAgentBin(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...AGENT_NODE_OPTIONS, BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out, exited };
}

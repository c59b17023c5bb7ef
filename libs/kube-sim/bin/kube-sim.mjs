#!/usr/bin/env node
// Launcher for the kube-sim CLI: runs src/cli.ts under the TypeScript loader, passing
// arguments and signals through, and exits with its exit code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const project = fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));
const env = { ...process.env, SWC_NODE_PROJECT: process.env.SWC_NODE_PROJECT ?? project };
const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', cli, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env,
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGUSR2']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

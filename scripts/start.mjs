#!/usr/bin/env node
// `npm start`: installs what Flotilla needs (npm dependencies; nats-server and git from apt when
// missing and root; the pinned helm for the demo's Helm chart), then runs it on embedded defaults (apps/control-plane/src/embedded/main.ts).
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePrerequisites } from './lib/prerequisites.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
await ensurePrerequisites(root, { helm: true });
const child = spawn(
  process.execPath,
  [
    '--import',
    '@swc-node/register/esm-register',
    join(root, 'apps/control-plane/src/embedded/main.ts'),
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit', env: process.env },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

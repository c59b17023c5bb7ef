#!/usr/bin/env -S node --max-semi-space-size=4
// The options in the line above are src/node-options.ts's AGENT_NODE_OPTIONS (keep them in step).
// Runs the agent's TypeScript entry point directly (no build step), compiled on load by SWC
// with the workspace tsconfig, whatever the current directory is.
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

process.env.SWC_NODE_PROJECT ??= fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));
register('@swc-node/register/esm', import.meta.url);
await import('../src/main.ts');

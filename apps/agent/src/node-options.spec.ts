import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AGENT_NODE_OPTIONS } from './node-options.js';

const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), 'utf8');

describe('AGENT_NODE_OPTIONS', () => {
  it('are the options in the bin shebang and the ones the demo fleet starts its agents with', () => {
    expect(read('../bin/flotilla-agent.mjs').split('\n')[0]).toBe(
      `#!/usr/bin/env -S node ${AGENT_NODE_OPTIONS.join(' ')}`,
    );
    for (const option of AGENT_NODE_OPTIONS)
      expect(read('../../control-plane/src/embedded/demo/demo-fleet.ts')).toContain(`'${option}'`);
  });
});

/**
 * Guard: every environment variable the code reads is documented. `process.env.X` reads anywhere
 * in the repository → the README's table; control-plane config keys → apps/control-plane/README.md;
 * agent settings → apps/agent/README.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Read by the loaders and the shell, or handed from a test to its own child process: not settings. */
const NOT_SETTINGS = new Set(['PATH', 'SWC_NODE_PROJECT', 'FLOTILLA_TEST_AGENT']);
const READ = /process\.env(?:\.([A-Z][A-Z0-9_]*)\b|\[['"]([A-Z][A-Z0-9_]*)['"]\])(?!\s*\??=[^=])/g;

const read = (file: string) => readFileSync(resolve(REPO_ROOT, file), 'utf8');

function sources(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mjs'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  // Unit specs are left out: the scripts they write for fake helpers (a kubectl exec plugin) read their own variables.
  return out.split('\n').filter((f) => f && !f.endsWith('.spec.ts'));
}

/** The variables `readme` does not name (as a word), as `file: NAME`. */
function undocumented(names: Iterable<[string, string]>, readme: string): string[] {
  return [...names].filter(([, name]) => !new RegExp(`\\b${name}\\b`).test(readme)).map(([f, n]) => `${f}: ${n}`);
}

describe('environment variables are documented', () => {
  it('every process.env read is in the README table', () => {
    const found = new Map<string, [string, string]>();
    for (const file of sources())
      for (const m of read(file).matchAll(READ)) {
        const name = m[1] ?? m[2]!;
        if (!NOT_SETTINGS.has(name)) found.set(name, [file, name]);
      }
    expect(found.size).toBeGreaterThan(10);
    expect(found.has('FLOTILLA_NATS_MONITOR_PORT')).toBe(true);
    expect(undocumented(found.values(), read('README.md'))).toEqual([]);
  });

  it('every control-plane config key is in the control plane README', () => {
    const keys = [...read('apps/control-plane/src/config/config.schema.ts').matchAll(/^ {2}([A-Z][A-Z0-9_]+): /gm)].map(
      (m): [string, string] => ['config.schema.ts', m[1]!],
    );
    expect(keys.length).toBeGreaterThan(20);
    const readme = read('apps/control-plane/README.md');
    expect(keys.filter(([, k]) => !readme.includes(k)).map(([f, k]) => `${f}: ${k}`)).toEqual([]);
  });

  it('every agent setting is in the agent README', () => {
    const envs = [...read('apps/agent/src/config.ts').matchAll(/env: '(FLOTILLA_[A-Z_]+)'/g)].map(
      (m): [string, string] => ['apps/agent/src/config.ts', m[1]!],
    );
    expect(envs.length).toBeGreaterThan(10);
    expect(undocumented(envs, read('apps/agent/README.md'))).toEqual([]);
  });
});

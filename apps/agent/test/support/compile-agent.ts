/**
 * Compiles the agent's TypeScript (and the workspace libs it imports) to plain ESM JavaScript with
 * SWC, so the benchmark can measure the agent's own RSS without a TypeScript loader in the process
 * (the SWC loader hooks alone add a worker thread and well over 100 MiB). Output goes under
 * node_modules/.cache, where third-party packages still resolve.
 */
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { transformFile } from '@swc/core';

const REPO = resolve(import.meta.dirname, '../../../..');
const SOURCES = [
  'apps/agent/src',
  'apps/agent/test/support',
  'libs/gitops/src',
  'libs/protocol/src',
  'libs/nats-auth/src',
];
const LIBS: Record<string, string> = {
  '@flotilla/gitops': 'libs/gitops/src/index.js',
  '@flotilla/protocol': 'libs/protocol/src/index.js',
  '@flotilla/nats-auth': 'libs/nats-auth/src/index.js',
};

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')) yield p;
  }
}

/** Returns the path of the compiled `test/support/agent-child.js`. */
export async function compileAgent(): Promise<string> {
  const out = join(REPO, 'node_modules', '.cache', 'flotilla-agent-bench');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  await cp(join(REPO, 'apps/agent/package.json'), join(out, 'apps/agent/package.json'));
  for (const src of SOURCES) {
    for await (const file of tsFiles(join(REPO, src))) {
      const rel = relative(REPO, file);
      const target = join(out, rel.replace(/\.ts$/, '.js'));
      let { code } = await transformFile(file, {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: false,
      });
      for (const [spec, path] of Object.entries(LIBS)) {
        let r = relative(dirname(target), join(out, path));
        if (!r.startsWith('.')) r = `./${r}`;
        code = code.replaceAll(`'${spec}'`, `'${r}'`).replaceAll(`"${spec}"`, `"${r}"`);
      }
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, code);
    }
  }
  return join(out, 'apps/agent/test/support/agent-child.js');
}

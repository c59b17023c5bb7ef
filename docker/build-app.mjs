#!/usr/bin/env node
// docker/: builds one app into a self-contained folder for its container image. Starting at the
// app's entry file it compiles (SWC: TypeScript, decorator metadata) every module reachable
// through imports, across workspace packages, rewrites their package.json exports to the .js
// files, and copies only the npm packages that code needs (with their dependencies) from the
// workspace's node_modules. The result runs with plain `node`, no TypeScript tooling.
//
//   node docker/build-app.mjs --entry apps/agent/src/main.ts --out /out [--with PKG ...] [--copy DIR ...]
//
// --with adds npm packages only loaded by name at runtime (Nest loads @nestjs/platform-express,
// TypeORM loads pg). --copy adds a folder as it is (the dashboard's static files, apps/web/src).
// --hardlink links npm package files instead of copying them (same result for Node, much faster;
// for tests on one filesystem).
import {
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    entry: { type: 'string' },
    out: { type: 'string' },
    with: { type: 'string', multiple: true },
    copy: { type: 'string', multiple: true },
    hardlink: { type: 'boolean' },
  },
  strict: true,
});
if (!values.entry || !values.out) {
  console.error('usage: node docker/build-app.mjs --entry apps/<app>/src/main.ts --out DIR');
  process.exit(2);
}
const out = resolve(values.out);
const { transformSync } = await import('@swc/core');
const builtins = new Set(builtinModules);

const SWC = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: false,
};

const IMPORTS = [
  /(?:^|[;\s])(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g,
  /(?:^|[;\s])import\s*['"]([^'"]+)['"]/g,
  /import\(\s*['"]([^'"]+)['"]\s*\)/g,
  /require\(\s*['"]([^'"]+)['"]\s*\)/g,
  /createRequire\([^)]*\)\(\s*['"]([^'"]+)['"]\s*\)/g,
];
// `require.resolve('pkg/package.json')`: a package whose files are served or read as they are.
const RESOLVES = /\.resolve\(\s*['"]([^'"]+)['"]\s*\)/g;

const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
const workspacePackages = new Map(); // @flotilla/x -> folder relative to root
const assetPackages = new Set(); // workspace packages copied as files (e.g. the web dashboard)
const externals = new Set(values.with ?? []);
const done = new Set();
const queue = [resolve(root, values.entry)];

function workspaceDir(name) {
  if (!workspacePackages.has(name)) {
    const link = join(root, 'node_modules', name);
    if (!existsSync(link)) throw new Error(`workspace package ${name} is not linked in node_modules`);
    workspacePackages.set(name, relative(root, realpathSync(link)));
  }
  return workspacePackages.get(name);
}

function entryOf(name, subpath) {
  const dir = join(root, workspaceDir(name));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const target = pkg.exports?.[subpath ? `./${subpath}` : '.'];
  if (typeof target !== 'string') throw new Error(`${name} exports no ${subpath ? `./${subpath}` : '.'}`);
  return join(dir, target);
}

while (queue.length) {
  const file = queue.pop();
  if (done.has(file)) continue;
  done.add(file);
  const source = readFileSync(file, 'utf8');
  const code = file.endsWith('.ts') ? transformSync(source, { ...SWC, filename: file }).code : source;
  const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, code);
  for (const pattern of IMPORTS) {
    for (const [, spec] of code.matchAll(pattern)) {
      if (spec.startsWith('.')) {
        const js = resolve(dirname(file), spec);
        queue.push(existsSync(js) ? js : js.replace(/\.js$/, '.ts'));
      } else if (spec.startsWith('@flotilla/')) {
        queue.push(entryOf(packageName(spec), spec.split('/').slice(2).join('/')));
      } else if (!spec.startsWith('node:') && !builtins.has(spec)) {
        externals.add(packageName(spec));
      }
    }
  }
  for (const [, spec] of code.matchAll(RESOLVES)) {
    if (spec.startsWith('.') || spec.startsWith('node:')) continue;
    const name = packageName(spec);
    if (!name.startsWith('@flotilla/')) externals.add(name);
    else if (!assetPackages.has(name)) {
      const dir = workspaceDir(name);
      assetPackages.add(name);
      cpSync(join(root, dir), join(out, dir), {
        recursive: true,
        filter: (p) => !/[/\\](test|node_modules)([/\\]|$)|\.spec\.[jt]s$/.test(relative(root, p)),
      });
    }
  }
}

for (const dir of values.copy ?? []) {
  if (!existsSync(join(root, dir))) throw new Error(`--copy ${dir}: no such folder`);
  cpSync(join(root, dir), join(out, dir), { recursive: true, filter: (p) => !/\.spec\.[jt]s$/.test(p) });
}

// Workspace package.json files, pointing at the compiled files; links in node_modules/@flotilla.
for (const [name, dir] of workspacePackages) {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  const js = (p) => (typeof p === 'string' ? p.replace(/\.ts$/, '.js') : p);
  if (pkg.exports) pkg.exports = Object.fromEntries(Object.entries(pkg.exports).map(([k, v]) => [k, js(v)]));
  delete pkg.bin;
  delete pkg.scripts;
  mkdirSync(join(out, dir), { recursive: true });
  writeFileSync(join(out, dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const link = join(out, 'node_modules', name);
  mkdirSync(dirname(link), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(relative(dirname(link), join(out, dir)), link);
}
for (const name of assetPackages) {
  const link = join(out, 'node_modules', name);
  mkdirSync(dirname(link), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(relative(dirname(link), join(out, workspaceDir(name))), link);
}
const appDir = relative(root, resolve(root, values.entry)).split('/').slice(0, 2).join('/');
if (!existsSync(join(out, appDir, 'package.json')))
  cpSync(join(root, appDir, 'package.json'), join(out, appDir, 'package.json'));

// npm packages: what the code imports, plus their dependencies, resolved as Node would.
function resolvePackage(fromDir, name) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}
const copied = new Set();
const pending = [...externals].map((name) => ({ from: root, name, optional: false }));
while (pending.length) {
  const { from, name, optional } = pending.pop();
  const dir = resolvePackage(from, name);
  if (!dir) {
    if (optional) continue;
    throw new Error(`${name} (needed from ${relative(root, from) || '.'}) is not installed`);
  }
  if (copied.has(dir)) continue;
  copied.add(dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) pending.push({ from: dir, name: dep, optional: false });
  // Peers marked optional (peerDependenciesMeta) are left out: only code paths nobody uses here load them.
  const peers = Object.keys(pkg.peerDependencies ?? {}).filter((dep) => !pkg.peerDependenciesMeta?.[dep]?.optional);
  for (const dep of [...Object.keys(pkg.optionalDependencies ?? {}), ...peers])
    pending.push({ from: dir, name: dep, optional: true });
}
const topLevel = [...copied].filter((dir) => !relative(join(root, 'node_modules'), dir).includes('node_modules'));
function linkTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const [src, dst] = [join(from, e.name), join(to, e.name)];
    if (e.isDirectory()) linkTree(src, dst);
    else if (e.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (lstatSync(src).isFile()) {
      try {
        linkSync(src, dst);
      } catch {
        copyFileSync(src, dst);
      }
    }
  }
}
for (const dir of topLevel) {
  const target = join(out, relative(root, dir));
  if (values.hardlink) linkTree(dir, target);
  else cpSync(dir, target, { recursive: true, dereference: false });
}
console.log(
  `built ${relative(root, resolve(root, values.entry))}: ${done.size} modules from ${workspacePackages.size + 1} workspace packages, ${topLevel.length} npm packages`,
);

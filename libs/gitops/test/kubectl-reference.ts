/** Test helper: kubectl's built-in kustomize as the reference renderer, and object-by-object comparison. */
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../src/index.js';
import { objectId } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '../../..');
export const OWN_FIXTURES = resolve(here, 'fixtures');

export async function kubectlPath(): Promise<string> {
  const mod = (await import(resolve(REPO_ROOT, 'scripts/setup-kubectl.mjs'))) as { ensureKubectl: () => string };
  return mod.ensureKubectl();
}

/** `kubectl kustomize <dir>`, parsed the way Kubernetes reads YAML (1.1 scalars, dates kept as text). */
export async function kubectlKustomize(dir: string): Promise<KubeObject[]> {
  const { stdout } = await promisify(execFile)(await kubectlPath(), ['kustomize', dir], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseAllDocuments(stdout, {
    version: '1.1',
    customTags: (tags) =>
      tags.filter((t) => typeof t === 'string' || (t.tag !== 'tag:yaml.org,2002:timestamp' && t.format !== 'TIME')),
  })
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

export function byId(objects: readonly KubeObject[]): Map<string, KubeObject> {
  return new Map(objects.map((o) => [objectId(o), o]));
}

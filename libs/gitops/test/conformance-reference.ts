/**
 * Test helper: what the pinned `kubectl kustomize` built for every corpus directory, recorded as
 * one digest per directory (`conformance/kubectl-reference.json`), so the suite compares all of
 * them without starting kubectl 500 times. The record names the kubectl version and a digest of
 * every corpus file: when either changes, the record is stale and the test says how to write it
 * again. Each run still builds a sample of directories with the real kubectl and checks the record
 * against it, and `FLOTILLA_CONFORMANCE_LIVE=all` (CI) checks every directory live.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { KubeObject } from '../src/index.js';
import { objectId } from '../src/index.js';

/** kubectl's build of one directory: the digest of its objects, or that it failed. */
export type ReferenceEntry = { objects: number; digest: string } | { failed: true };

export interface ConformanceReference {
  kubectl: string;
  corpusDigest: string;
  directories: Record<string, ReferenceEntry>;
}

/** JSON with keys sorted at every level: equal for objects `isDeepStrictEqual` calls equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** One digest for a build: its objects by id (order-free, as the object-by-object comparison is). */
export function buildDigest(objects: readonly KubeObject[]): ReferenceEntry {
  const byId = [...objects].map((o) => [objectId(o), canonical(o)] as const).sort(([a], [b]) => (a < b ? -1 : 1));
  const h = createHash('sha256');
  for (const [id, body] of byId) h.update(`${id}\n${body}\n`);
  return { objects: objects.length, digest: h.digest('hex') };
}

/** A digest of every file under the corpus root but the record itself and the outcome lists. */
export async function corpusDigest(root: string, skip: ReadonlySet<string>): Promise<string> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (!skip.has(relative(root, path))) files.push(path);
    }
  };
  await walk(root);
  files.sort();
  const h = createHash('sha256');
  for (const f of files) {
    h.update(`${relative(root, f)}\0`);
    h.update(await readFile(f));
    h.update('\0');
  }
  return h.digest('hex');
}

/**
 * `count` directories to build live this run: a different slice every day (so over weeks every
 * directory is checked on every machine), the same all day (so a failure can be rerun).
 */
export function dailySample(
  dirs: readonly string[],
  count: number,
  day = Math.floor(Date.now() / 86_400_000),
): string[] {
  if (dirs.length <= count) return [...dirs];
  const start = (day * count) % dirs.length;
  return Array.from({ length: count }, (_, i) => dirs[(start + i) % dirs.length]!);
}

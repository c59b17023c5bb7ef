/**
 * Content digests: the same object gives the same digest on hub and agent whatever its key order,
 * so the agent can skip objects it already applied unchanged, and the hub can tell which
 * clusters' rendered manifests a commit changes.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from './kube-object.js';
import { objectId } from './kube-object.js';

/** JSON with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function objectDigest(obj: KubeObject): string {
  return createHash('sha256').update(canonicalJson(obj)).digest('hex');
}

/** One digest for a whole render: independent of object order. */
export function renderDigest(objects: readonly KubeObject[]): string {
  const lines = objects.map((o) => `${objectId(o)} ${objectDigest(o)}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

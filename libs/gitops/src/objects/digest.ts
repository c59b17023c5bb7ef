/**
 * Content digests: the same object gives the same digest on hub and agent whatever its key order,
 * so the agent can skip objects it already applied unchanged, and the hub can tell which
 * clusters' rendered manifests a commit changes.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from './kube-object.js';
import { objectId } from './kube-object.js';

/** JSON with object keys sorted at every level (arrays keep their order; undefined members dropped, undefined items null). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      out += `${i > 0 ? ',' : ''}${v === undefined ? 'null' : canonicalJson(v)}`;
    }
    return `${out}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // Default sort order is by UTF-16 code units, the same order as comparing with < and >.
    const keys = Object.keys(record).sort();
    let out = '{';
    for (const k of keys) {
      const v = record[k];
      if (v === undefined) continue;
      out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${canonicalJson(v)}`;
    }
    return `${out}}`;
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

/**
 * Who changed a field: reads managedFields (FieldsV1: `f:spec`, `f:replicas`, `k:{"name":"web"}`,
 * `v:...`, `.`) to find the managers that own each drifted path, most recent first — so the agent
 * can say "kubectl-patch changed spec.replicas".
 */
import type { KubeObject } from '../objects/kube-object.js';
import { isPlainObject } from '../yaml/parse-manifests.js';
import type { FieldPath } from './field-path.js';
import { formatFieldPath } from './field-path.js';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

export interface FieldOwner {
  manager: string;
  operation?: string;
  time?: string;
  subresource?: string;
}

export interface FieldOwnership {
  path: string;
  /** Managers owning the path, most recently active first. */
  owners: FieldOwner[];
  /** False when nobody owns the path itself (e.g. it was removed) and the owners are those of its nearest owned parent. */
  exact: boolean;
}

function keyMatches(entryKey: string, key: Record<string, unknown>): boolean {
  try {
    const parsed = JSON.parse(entryKey.slice(2)) as Record<string, unknown>;
    return Object.entries(key).every(([k, v]) => parsed[k] === v || String(parsed[k]) === String(v));
  } catch {
    return false;
  }
}

/** How far into `path` a FieldsV1 set reaches: the path is owned when the walk completes or stops at an atomic leaf. */
function owns(fields: Record<string, unknown>, path: FieldPath): boolean {
  let node: Record<string, unknown> = fields;
  for (const seg of path) {
    let child: unknown;
    if ('field' in seg) child = node[`f:${seg.field}`];
    else child = Object.entries(node).find(([k]) => k.startsWith('k:') && keyMatches(k, seg.key))?.[1];
    if (!isPlainObject(child)) return Object.keys(node).length === 0 && node !== fields;
    node = child;
  }
  return true;
}

function ownersOf(entries: readonly ManagedFieldsEntry[], path: FieldPath, ignore: ReadonlySet<string>): FieldOwner[] {
  return entries
    .filter(
      (e) =>
        e.manager &&
        !ignore.has(e.manager) &&
        e.fieldsType !== undefined &&
        e.fieldsType === 'FieldsV1' &&
        isPlainObject(e.fieldsV1) &&
        owns(e.fieldsV1, path),
    )
    .map((e) => ({ manager: e.manager as string, operation: e.operation, time: e.time, subresource: e.subresource }))
    .sort((a, b) => (b.time ?? '').localeCompare(a.time ?? ''));
}

export interface FieldManagersOptions {
  /** Managers to leave out (e.g. our own, `flotilla`). */
  ignoreManagers?: Iterable<string>;
}

/** For each path: the managers of `live` that own it (or own its nearest owned parent). */
export function fieldManagersOf(
  live: KubeObject,
  paths: ReadonlyArray<FieldPath | { segments: FieldPath }>,
  options: FieldManagersOptions = {},
): FieldOwnership[] {
  const entries = (
    Array.isArray(live.metadata['managedFields']) ? live.metadata['managedFields'] : []
  ) as ManagedFieldsEntry[];
  const ignore = new Set(options.ignoreManagers ?? []);
  return paths.map((p) => {
    const path = Array.isArray(p) ? p : p.segments;
    const exact = ownersOf(entries, path, ignore);
    if (exact.length > 0 || path.length === 0) return { path: formatFieldPath(path), owners: exact, exact: true };
    for (let n = path.length - 1; n > 0; n--) {
      const owners = ownersOf(entries, path.slice(0, n), ignore);
      if (owners.length > 0) return { path: formatFieldPath(path), owners, exact: false };
    }
    return { path: formatFieldPath(path), owners: [], exact: false };
  });
}

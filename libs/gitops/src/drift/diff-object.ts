/**
 * Drift: where a live object differs from what was applied. Only fields present in the desired
 * object count (the server's defaults and other managers' fields are not drift); merge-keyed lists
 * (containers by name, ports by containerPort…) are matched by key, other lists compared whole;
 * quantities compare by amount ("2000m" = "2"). Secret diffs carry paths (key names) only.
 *
 * A real API server stores built-in kinds as Go structs with `omitempty`: a manifest's `{}`, `[]`,
 * `""`, `false` and `0` (and maps holding only such values) come back absent. A desired value that is
 * empty in that sense therefore matches an absent live field, or the agent would see drift nobody
 * made (Helm-style manifests are full of `nodeSelector: {}`, `args: []`, `hostNetwork: false`).
 * The reverse is not true: a live empty value where the manifest sets a non-empty one is drift.
 * Nor is a live value where the manifest has an empty one, except for fields the server allocates
 * when left empty (a Service's `clusterIP: ""`, server-allocated.ts).
 */
import type { KubeObject } from '../objects/kube-object.js';
import type { MergeKeyLookup } from '../render/kustomize/strategic-merge.js';
import { builtinMergeKeys } from '../render/kustomize/strategic-merge.js';
import { isPlainObject } from '../yaml/parse-manifests.js';
import type { FieldPath } from './field-path.js';
import { formatFieldPath } from './field-path.js';
import { sameQuantity } from './quantity.js';
import { allocatedWhenEmpty } from './server-allocated.js';
import { isSecret } from './redact.js';

export const DriftChange = { Changed: 'changed', Missing: 'missing' } as const;
export type DriftChange = (typeof DriftChange)[keyof typeof DriftChange];

export interface FieldDiff {
  path: string;
  segments: FieldPath;
  change: DriftChange;
  /** What was applied and what is live; never set for Secrets. */
  desired?: unknown;
  live?: unknown;
}

const QUANTITY_PARENTS = new Set([
  'limits',
  'requests',
  'hard',
  'capacity',
  'allocatable',
  'default',
  'defaultRequest',
  'max',
  'min',
  'storage',
]);

function scalarEqual(desired: unknown, live: unknown, names: readonly string[]): boolean {
  if (desired === live) return true;
  if (
    (typeof desired === 'number' || typeof desired === 'string') &&
    (typeof live === 'number' || typeof live === 'string') &&
    String(desired) === String(live)
  )
    return true;
  const parent = names[names.length - 2] ?? '';
  return (
    (QUANTITY_PARENTS.has(parent) || QUANTITY_PARENTS.has(names[names.length - 1] ?? '')) && sameQuantity(desired, live)
  );
}

/** What Go's `omitempty` leaves out when a server stores the value: the value reads back absent. */
export function storedAsAbsent(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.values(value).every(storedAsAbsent);
}

const absent = (live: unknown): boolean => live === undefined || live === null;

/** Desired ⊆ live, positionally for lists (for atomic lists and their elements). */
function contained(desired: unknown, live: unknown, names: readonly string[]): boolean {
  if (desired === null || desired === undefined) return true;
  if (absent(live) && storedAsAbsent(desired)) return true;
  if (Array.isArray(desired))
    return (
      Array.isArray(live) && live.length === desired.length && desired.every((d, i) => contained(d, live[i], names))
    );
  if (isPlainObject(desired))
    return isPlainObject(live) && Object.entries(desired).every(([k, v]) => contained(v, live[k], [...names, k]));
  return scalarEqual(desired, live, names);
}

interface Walk {
  kind: string;
  out: FieldDiff[];
  keys: MergeKeyLookup;
  redact: boolean;
}

function report(w: Walk, segments: FieldPath, desired: unknown, live: unknown): void {
  const diff: FieldDiff = {
    path: formatFieldPath(segments),
    segments,
    change: live === undefined || live === null ? DriftChange.Missing : DriftChange.Changed,
  };
  if (!w.redact) {
    diff.desired = desired;
    if (live !== undefined) diff.live = live;
  }
  w.out.push(diff);
}

function walk(w: Walk, desired: unknown, live: unknown, segments: FieldPath, names: string[]): void {
  if (desired === null || desired === undefined) return;
  if (storedAsAbsent(desired) && (absent(live) || allocatedWhenEmpty(w.kind, names))) return;
  if (isPlainObject(desired)) {
    if (!isPlainObject(live)) return report(w, segments, desired, live);
    for (const [k, v] of Object.entries(desired)) walk(w, v, live[k], [...segments, { field: k }], [...names, k]);
    return;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return report(w, segments, desired, live);
    const key = w.keys(names);
    if (key && desired.every((d) => isPlainObject(d) && d[key] !== undefined)) {
      for (const d of desired as Array<Record<string, unknown>>) {
        const seg = { key: { [key]: d[key] } };
        const match = live.find((l) => isPlainObject(l) && scalarEqual(d[key], l[key], []));
        if (match === undefined) report(w, [...segments, seg], d, undefined);
        else walk(w, d, match, [...segments, seg], names);
      }
    } else if (!contained(desired, live, names)) report(w, segments, desired, live);
    return;
  }
  if (!scalarEqual(desired, live, names)) report(w, segments, desired, live);
}

/** Secret stringData is stored as data: compare it that way. */
function comparableSecret(desired: KubeObject): KubeObject {
  const stringData = desired['stringData'];
  if (!isPlainObject(stringData)) return desired;
  const data: Record<string, unknown> = { ...(isPlainObject(desired['data']) ? desired['data'] : {}) };
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  const { stringData: _s, ...rest } = desired;
  return { ...rest, data } as KubeObject;
}

/** Field paths where `live` no longer matches `desired` (empty when in sync). */
export function diffObject(desired: KubeObject, live: KubeObject | undefined): FieldDiff[] {
  const w: Walk = { kind: desired.kind, out: [], keys: builtinMergeKeys(desired.kind), redact: isSecret(desired) };
  if (!live) {
    w.out.push({ path: '', segments: [], change: DriftChange.Missing });
    return w.out;
  }
  const want = w.redact ? comparableSecret(desired) : desired;
  for (const [k, v] of Object.entries(want)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata') {
      for (const field of ['labels', 'annotations'] as const) {
        walk(w, want.metadata[field], live.metadata?.[field], [{ field: 'metadata' }, { field }], ['metadata', field]);
      }
      continue;
    }
    walk(w, v, live[k], [{ field: k }], [k]);
  }
  return w.out;
}

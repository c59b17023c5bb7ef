/**
 * Strategic merge patch for built-in kinds: lists merge by their patchMergeKey (containers by
 * name, ports by containerPort / Service ports by port, volumeMounts by mountPath…), `null`
 * deletes a field, `$patch: delete|replace` is honoured and any other `$` directive refused
 * (kustomize would pass it through as a literal key). Custom resources get a JSON merge patch.
 */
import { isPlainObject } from '../../yaml/parse-manifests.js';

const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  ownerReferences: 'uid',
  secrets: 'name',
  webhooks: 'name',
};

export type MergeKeyLookup = (path: readonly string[]) => string | undefined;

/** Merge keys of the built-in types, by field name and (for `ports`) by kind. */
export function builtinMergeKeys(kind: string): MergeKeyLookup {
  return (path) => {
    const field = path[path.length - 1] ?? '';
    if (field === 'ports')
      return kind === 'Service' && path.length === 2 && path[0] === 'spec' ? 'port' : 'containerPort';
    return MERGE_KEYS[field];
  };
}

/** For custom resources: no merge keys, every list is replaced (JSON merge patch). */
export const noMergeKeys: MergeKeyLookup = () => undefined;

const DELETE = Symbol('delete');

export class StrategicMergeError extends Error {}

/** kustomize implements `$patch` only; other directives would reach the API server as literal keys. */
function checkDirective(key: string, value: unknown): void {
  if (key !== '$patch')
    throw new StrategicMergeError(`directive "${key}" is not supported (only $patch: delete|replace|merge)`);
  if (value !== 'delete' && value !== 'replace' && value !== 'merge')
    throw new StrategicMergeError(`"$patch: ${String(value)}" is not supported (delete, replace or merge)`);
}

/** Removes `$…` directive keys (and nulls) from a value that is added as a whole. */
function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value))
    return value.filter((v) => !(isPlainObject(v) && v['$patch'] === 'replace')).map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) checkDirective(k, v);
    else if (v !== null) out[k] = stripDirectives(v);
  }
  return out;
}

function mergeMap(orig: unknown, patch: Record<string, unknown>, path: string[], keys: MergeKeyLookup): unknown {
  const directive = patch['$patch'];
  if (directive === 'delete') return DELETE;
  if (directive === 'replace') return stripDirectives(patch);
  const out: Record<string, unknown> = isPlainObject(orig) ? { ...orig } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) {
      checkDirective(key, value);
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const merged = mergeValue(out[key], value, [...path, key], keys);
    if (merged === DELETE) delete out[key];
    else out[key] = merged;
  }
  return out;
}

function mergeList(orig: unknown, patch: unknown[], path: string[], keys: MergeKeyLookup): unknown {
  const key = keys(path);
  if (patch.some((p) => isPlainObject(p) && p['$patch'] === 'replace')) return stripDirectives(patch);
  if (!key || !Array.isArray(orig) || !patch.every(isPlainObject)) return stripDirectives(patch);
  // kustomize (kyaml) order: the patch's elements first, in patch order, then the untouched originals.
  const out: unknown[] = [];
  const patched = new Set<unknown>();
  for (const item of patch as Array<Record<string, unknown>>) {
    patched.add(item[key]);
    if (item['$patch'] === 'delete') continue;
    const original = orig.find((o) => isPlainObject(o) && o[key] !== undefined && o[key] === item[key]);
    if (original === undefined) {
      out.push(stripDirectives(item));
      continue;
    }
    const merged = mergeMap(original, item, path, keys);
    if (merged !== DELETE) out.push(merged);
  }
  for (const o of orig) if (!(isPlainObject(o) && o[key] !== undefined && patched.has(o[key]))) out.push(o);
  return out;
}

function mergeValue(orig: unknown, patch: unknown, path: string[], keys: MergeKeyLookup): unknown {
  if (isPlainObject(patch)) return mergeMap(orig, patch, path, keys);
  if (Array.isArray(patch)) return mergeList(orig, patch, path, keys);
  return patch;
}

/** Returns `target` with `patch` merged in (neither input is modified). */
export function strategicMerge(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  keys: MergeKeyLookup,
): Record<string, unknown> {
  const merged = mergeMap(structuredClone(target), structuredClone(patch), [], keys);
  if (merged === DELETE) return {};
  // A JSON merge patch (kinds kustomize has no schema for) keeps the target's own nulls.
  return keys === noMergeKeys ? (merged as Record<string, unknown>) : dropNullsOutsideMetadata(merged);
}

/**
 * kustomize's schema-aware merge (kyaml) leaves no `null` field in a patched object, even outside
 * the patch — but `metadata` keeps its nulls (`creationTimestamp: null` stays), except annotations,
 * whose null values go (and the map with them when nothing is left).
 */
function dropNullsOutsideMetadata(obj: unknown): Record<string, unknown> {
  const out = obj as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) {
    if (k === 'metadata') continue;
    if (v === null) delete out[k];
    else out[k] = dropNullFields(v);
  }
  const meta = out['metadata'];
  const annotations = isPlainObject(meta) ? meta['annotations'] : undefined;
  if (isPlainObject(annotations) && Object.values(annotations).some((v) => v === null)) {
    dropNullFields(annotations);
    if (Object.keys(annotations).length === 0) delete (meta as Record<string, unknown>)['annotations'];
  }
  return out;
}

function dropNullFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNullFields);
  if (!isPlainObject(value)) return value;
  for (const [k, v] of Object.entries(value)) {
    if (v === null) delete value[k];
    else value[k] = dropNullFields(v);
  }
  return value;
}

export function isDeletePatch(patch: Record<string, unknown>): boolean {
  return patch['$patch'] === 'delete';
}

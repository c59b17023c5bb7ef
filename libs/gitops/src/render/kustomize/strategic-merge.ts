/**
 * Strategic merge patch as kustomize's kyaml walks it: a list merges only where the schema gives it a
 * `merge` patch strategy — by its merge key(s), or as a set of scalars — and is replaced otherwise.
 * Built-in kinds use kustomize's built-in merge keys (containers by name, ports by containerPort /
 * Service ports by port, volumeMounts by mountPath…); custom kinds the `openapi` schema, else none
 * (every list replaced). `null` deletes a field, `$patch: delete|replace` is honoured and any other
 * `$` directive refused (kustomize would pass it through as a literal key).
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

/** How an associative list merges: by these keys (one or several), or, with none, as a set of scalars. */
export interface ListMerge {
  keys: readonly string[];
}

/**
 * The schema a strategic merge walks, as kyaml's ResourceSchema: a field's schema, a list's element
 * schema, and how a list at this node merges (undefined: the patch replaces it).
 */
export interface MergeSchema {
  field(name: string): MergeSchema | undefined;
  elements(): MergeSchema | undefined;
  listMerge(): ListMerge | undefined;
}

/** Merge keys of the built-in types (kustomize's built-in schema), by field name and (for `ports`) by kind. */
export function builtinMergeSchema(kind: string, path: readonly string[] = []): MergeSchema {
  return {
    field: (name) => builtinMergeSchema(kind, [...path, name]),
    // list elements keep the list's path: the table goes by field name
    elements: () => builtinMergeSchema(kind, path),
    listMerge: () => {
      const field = path[path.length - 1] ?? '';
      if (field === 'ports')
        return { keys: [kind === 'Service' && path.length === 2 && path[0] === 'spec' ? 'port' : 'containerPort'] };
      const key = MERGE_KEYS[field];
      return key ? { keys: [key] } : undefined;
    },
  };
}

/** A merge key by field path (list steps left out), for callers that walk by path (drift). */
export type MergeKeyLookup = (path: readonly string[]) => string | undefined;

/** The built-in merge keys as a path lookup. */
export function builtinMergeKeys(kind: string): MergeKeyLookup {
  return (path) => builtinMergeSchema(kind, path).listMerge()?.keys[0];
}

export interface MergeOptions {
  /** The target's schema; without one every list is replaced (kyaml without a schema). */
  schema: MergeSchema | undefined;
  /** kustomize leaves no null in a patched built-in object (see dropNullsOutsideMetadata). */
  dropNulls: boolean;
}

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

function mergeMap(orig: unknown, patch: Record<string, unknown>, schema: MergeSchema | undefined): unknown {
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
    const merged = mergeValue(out[key], value, schema?.field(key));
    if (merged === DELETE) delete out[key];
    else out[key] = merged;
  }
  return out;
}

type Item = Record<string, unknown>;

/** A merge key's value as kyaml compares it: the scalar's text, "" when absent. */
function keyText(item: Item, key: string): string {
  const v = item[key];
  return v === undefined || v === null || typeof v === 'object' ? '' : String(v);
}

/** kyaml's multi-key match: one key value in common, and the others equal or absent on one side. */
function sameElement(a: Item, b: Item, keys: readonly string[]): boolean {
  let common = false;
  for (const key of keys) {
    const x = keyText(a, key);
    const y = keyText(b, key);
    if (x === y) common = common || x !== '';
    else if (x !== '' && y !== '') return false;
  }
  return common;
}

/** A scalar list with a `merge` strategy (e.g. finalizers): the patch's values first, then the others. */
function mergeScalarSet(orig: unknown[], patch: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of [...patch, ...orig]) if (!out.some((o) => o === v)) out.push(v);
  return out;
}

function mergeList(orig: unknown, patch: unknown[], schema: MergeSchema | undefined): unknown {
  const how = schema?.listMerge();
  if (patch.some((p) => isPlainObject(p) && p['$patch'] === 'replace')) return stripDirectives(patch);
  if (!how || !Array.isArray(orig)) return stripDirectives(patch);
  if (how.keys.length === 0) return patch.every((p) => !isPlainObject(p)) ? mergeScalarSet(orig, patch) : patch;
  if (!patch.every(isPlainObject)) return stripDirectives(patch);
  const elements = schema?.elements();
  const keys = how.keys;
  const matches = (a: unknown, b: Item): boolean =>
    isPlainObject(a) &&
    (keys.length === 1
      ? a[keys[0] as string] !== undefined && a[keys[0] as string] === b[keys[0] as string]
      : sameElement(a, b, keys));
  // kustomize (kyaml) order with one key: the patch's elements first, in patch order, then the untouched
  // originals. With several keys: the patch's new elements first, then every original (merged) in its place.
  const merged = new Map<unknown, unknown>();
  const added: unknown[] = [];
  for (const item of patch as Item[]) {
    const original = orig.find((o) => matches(o, item));
    if (item['$patch'] === 'delete') {
      if (original !== undefined) merged.set(original, DELETE);
      continue;
    }
    if (original === undefined) {
      added.push(stripDirectives(item));
      continue;
    }
    const result = mergeMap(original, item, elements);
    merged.set(original, result);
    if (keys.length === 1 && result !== DELETE) added.push(result);
  }
  const rest: unknown[] = [];
  for (const o of orig) {
    if (!merged.has(o)) rest.push(o);
    else if (keys.length > 1 && merged.get(o) !== DELETE) rest.push(merged.get(o));
  }
  return [...added, ...rest];
}

function mergeValue(orig: unknown, patch: unknown, schema: MergeSchema | undefined): unknown {
  if (isPlainObject(patch)) return mergeMap(orig, patch, schema);
  if (Array.isArray(patch)) return mergeList(orig, patch, schema);
  return patch;
}

/** Returns `target` with `patch` merged in (neither input is modified). */
export function strategicMerge(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  options: MergeOptions,
): Record<string, unknown> {
  const merged = mergeMap(structuredClone(target), structuredClone(patch), options.schema);
  if (merged === DELETE) return {};
  // Custom kinds keep the target's own nulls.
  return options.dropNulls ? dropNullsOutsideMetadata(merged) : (merged as Record<string, unknown>);
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

// Field paths in the FieldsV1 vocabulary of structured-merge-diff: a path is its elements
// ("f:spec", "k:{\"name\":\"web\"}", "v:\"x\"") joined by newlines. `flatten` lists the
// paths an object sets, the way a real server's managedFields list them: leaves and atomic
// values, plus the map and list-item nodes themselves ("." in FieldsV1).
export const NODE = Symbol('node');
/**
 * A map or list node itself. It is not part of what an Apply manager owns (structured-merge-diff
 * lists only leaves, list items and map keys there), but an Update that creates the map or
 * list owns it, which FieldsV1 shows as ".".
 */
export const CONTAINER = Symbol('container');
export type FieldMap = Map<string, unknown>;
export const SEP = '\n';

/** Maps (granular: each key is owned separately, and the map itself gets a "." entry). */
const MAP_FIELDS = new Set([
  'labels',
  'annotations',
  'data',
  'binaryData',
  'stringData',
  'nodeSelector',
  'matchLabels',
  'limits',
  'requests',
]);

/** Keys of keyed lists in built-in kinds (strategic merge keys). */
export function listKeys(
  field: string,
  items: unknown[],
  builtin: boolean,
  inMetadata: boolean,
): string[] | 'set' | undefined {
  if (inMetadata) return field === 'finalizers' ? 'set' : field === 'ownerReferences' ? ['uid'] : undefined;
  if (!builtin) return undefined;
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
    case 'webhooks': // admissionregistration/v1 webhook configurations (+listMapKey=name)
      return ['name'];
    case 'volumeMounts':
      return ['mountPath'];
    case 'volumeDevices':
      return ['devicePath'];
    case 'hostAliases':
      return ['ip'];
    case 'conditions':
      return ['type'];
    case 'topologySpreadConstraints':
      return ['topologyKey', 'whenUnsatisfiable'];
    case 'ports': {
      const first = items.find((i) => i && typeof i === 'object') as any;
      return first && 'containerPort' in first ? ['containerPort', 'protocol'] : ['port', 'protocol'];
    }
  }
  return undefined;
}

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The key element of a keyed-list item, or undefined if the item lacks a key field. */
export function itemKey(item: any, keys: string[]): string | undefined {
  if (!isObj(item)) return undefined;
  const k: Record<string, unknown> = {};
  for (const name of [...keys].sort()) {
    let v = item[name];
    if (v === undefined && name === 'protocol') v = 'TCP';
    if (v === undefined) return undefined;
    k[name] = v;
  }
  return `k:${JSON.stringify(k)}`;
}

export interface FlattenOpts {
  builtin: boolean;
  /** 'main' for the resource itself (status left out when it is a subresource), 'status' for /status. */
  part: 'main' | 'status' | 'all';
}

const flatCache = new WeakMap<object, Map<string, FieldMap>>();

/** flatten() of a stored object, cached (stored objects never change); callers must not modify the result. */
export function flattenStored(obj: any, opts: FlattenOpts): FieldMap {
  if (!isObj(obj)) return new Map();
  const key = `${opts.builtin}/${opts.part}`;
  let byOpts = flatCache.get(obj);
  if (!byOpts) flatCache.set(obj, (byOpts = new Map()));
  let f = byOpts.get(key);
  if (!f) byOpts.set(key, (f = flatten(obj, opts)));
  return f;
}

export function flatten(obj: any, opts: FlattenOpts): FieldMap {
  const out: FieldMap = new Map();
  if (!isObj(obj)) return out;
  if (opts.part === 'status') {
    if (obj.status !== undefined) walk(obj.status, 'f:status', 'status', out, opts.builtin, false);
    // A status write may carry annotations where the kind's status strategy keeps them (a
    // Deployment's revision annotation, api.ts): a real server records them under /status.
    const annotations = obj.metadata?.annotations;
    if (isObj(annotations)) walk(annotations, `f:metadata${SEP}f:annotations`, 'annotations', out, opts.builtin, true);
    return out;
  }
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || (k === 'status' && opts.part === 'main')) continue;
    if (k === 'metadata') {
      if (!isObj(v)) continue;
      for (const mk of ['labels', 'annotations', 'finalizers', 'ownerReferences']) {
        if (v[mk] !== undefined) walk(v[mk], `f:metadata${SEP}f:${mk}`, mk, out, opts.builtin, true);
      }
      continue;
    }
    walk(v, `f:${k}`, k, out, opts.builtin, false);
  }
  return out;
}

function walk(v: unknown, path: string, field: string, out: FieldMap, builtin: boolean, inMeta: boolean): void {
  if (Array.isArray(v)) {
    const keys = v.length ? listKeys(field, v, builtin, inMeta) : undefined;
    if (keys === 'set' && v.every((i) => !isObj(i) && !Array.isArray(i))) {
      out.set(path, CONTAINER);
      for (const i of v) out.set(`${path}${SEP}v:${JSON.stringify(i)}`, NODE);
      return;
    }
    if (Array.isArray(keys)) {
      const items = v.map((i) => itemKey(i, keys));
      if (items.every((k) => k !== undefined) && new Set(items).size === items.length) {
        if (field !== 'containers') out.set(path, CONTAINER);
        v.forEach((item, n) => {
          const p = `${path}${SEP}${items[n]}`;
          out.set(p, NODE);
          for (const [ck, cv] of Object.entries(item)) walk(cv, `${p}${SEP}f:${ck}`, ck, out, builtin, false);
        });
        return;
      }
    }
    out.set(path, v);
    return;
  }
  // One key list for the emptiness test and the walk (Object.entries made a pair per key).
  const keys = isObj(v) ? Object.keys(v) : [];
  if (keys.length === 0 || field === 'selector') {
    out.set(path, v);
    return;
  }
  const map = v as Record<string, unknown>;
  const granular = MAP_FIELDS.has(field);
  if (granular) out.set(path, CONTAINER);
  for (const ck of keys) walk(map[ck], `${path}${SEP}f:${ck}`, granular ? '' : ck, out, builtin, false);
}

/** The paths an Apply manager owns: everything but map and list nodes. */
export function applySet(f: FieldMap): Set<string> {
  const out = new Set<string>();
  for (const [p, v] of f) if (v !== CONTAINER) out.add(p);
  return out;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

const fieldsV1Memo = new Map<string, Record<string, any>>();
const FIELDS_V1_MEMO_MAX = 4096;

/**
 * A set of paths as a FieldsV1 object. Objects of one kind applied by one tool own the same
 * paths (names and values are not part of them), so the result is remembered per path list
 * and shared: FieldsV1 objects live inside stored objects, which are never modified.
 */
export function toFieldsV1(paths: Iterable<string>): Record<string, any> {
  const list = [...paths];
  // NUL separates the paths in the memo key; a path holding one (a field name with NUL) is not remembered.
  const key = list.join('\u0000');
  const cacheable = !list.some((p) => p.includes('\u0000'));
  const hit = cacheable ? fieldsV1Memo.get(key) : undefined;
  if (hit) return hit;
  const f = buildFieldsV1(list);
  if (cacheable) {
    if (fieldsV1Memo.size >= FIELDS_V1_MEMO_MAX) fieldsV1Memo.clear();
    fieldsV1Memo.set(key, f);
  }
  return f;
}

function buildFieldsV1(paths: string[]): Record<string, any> {
  type N = { self: boolean; kids: Map<string, N> };
  const root: N = { self: false, kids: new Map() };
  for (const p of paths) {
    let n = root;
    for (const pe of p.split(SEP)) {
      let c = n.kids.get(pe);
      if (!c) n.kids.set(pe, (c = { self: false, kids: new Map() }));
      n = c;
    }
    n.self = true;
  }
  const emit = (n: N): Record<string, any> => {
    const o: Record<string, any> = {};
    if (n.self && n.kids.size) o['.'] = {};
    for (const k of [...n.kids.keys()].sort()) o[k] = emit(n.kids.get(k)!);
    return o;
  };
  return emit(root);
}

const parsed = new WeakMap<object, Set<string>>();

/** A FieldsV1 object as a set of paths (cached per object: stored objects never change). */
export function fromFieldsV1(f: Record<string, any> | undefined): Set<string> {
  if (!isObj(f)) return new Set();
  const hit = parsed.get(f);
  if (hit) return hit;
  const out = new Set<string>();
  const visit = (node: Record<string, any>, prefix: string) => {
    for (const [k, v] of Object.entries(node)) {
      if (k === '.') {
        if (prefix) out.add(prefix);
        continue;
      }
      const p = prefix ? `${prefix}${SEP}${k}` : k;
      if (isObj(v) && Object.keys(v).length) visit(v, p);
      else out.add(p);
    }
  };
  visit(f, '');
  parsed.set(f, out);
  return out;
}

/** Human form of a path for conflict messages: ".spec.containers[name=\"web\"].image". */
export function describePath(p: string): string {
  return p
    .split(SEP)
    .map((pe) => {
      if (pe.startsWith('f:')) return `.${pe.slice(2)}`;
      if (pe.startsWith('k:')) {
        const k = JSON.parse(pe.slice(2)) as Record<string, unknown>;
        return `[${Object.entries(k)
          .map(([a, b]) => `${a}=${JSON.stringify(b)}`)
          .join(',')}]`;
      }
      return `[=${pe.slice(2)}]`;
    })
    .join('');
}

// Reading, deleting and merging by FieldsV1 path, over plain JSON objects. Used by
// server-side apply to merge an applied configuration and to remove fields a manager
// stopped applying.
import { itemKey, listKeys, SEP } from './fieldpath.js';

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function findIndex(arr: any[], pe: string): number {
  if (pe.startsWith('k:')) {
    const key = JSON.parse(pe.slice(2)) as Record<string, unknown>;
    const names = Object.keys(key);
    return arr.findIndex((i) => itemKey(i, names) === pe);
  }
  const v = pe.slice(2);
  return arr.findIndex((i) => JSON.stringify(i) === v);
}

/** Removes the field at `path` from `obj` (which must be a private copy); true if it was there. */
export function deletePath(obj: any, path: string): boolean {
  const pes = path.split(SEP);
  let cur = obj;
  for (let i = 0; i < pes.length - 1; i++) {
    const pe = pes[i];
    if (pe.startsWith('f:')) cur = isObj(cur) ? cur[pe.slice(2)] : undefined;
    else cur = Array.isArray(cur) ? cur[findIndex(cur, pe)] : undefined;
    if (cur === undefined) return false;
  }
  const last = pes[pes.length - 1];
  if (last.startsWith('f:')) {
    if (!isObj(cur) || !(last.slice(2) in cur)) return false;
    delete cur[last.slice(2)];
    return true;
  }
  if (!Array.isArray(cur)) return false;
  const n = findIndex(cur, last);
  if (n < 0) return false;
  cur.splice(n, 1);
  return true;
}

function getPath(obj: any, pes: string[]): unknown {
  let cur = obj;
  for (const pe of pes) {
    if (pe.startsWith('f:')) cur = isObj(cur) ? cur[pe.slice(2)] : undefined;
    else cur = Array.isArray(cur) ? cur[findIndex(cur, pe)] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** After a removal, removes the maps and lists it left empty (as omitempty fields vanish on a real server). */
export function dropEmptyParents(obj: any, path: string): void {
  const pes = path.split(SEP);
  for (let i = pes.length - 1; i > 0; i--) {
    const v = getPath(obj, pes.slice(0, i));
    const empty = Array.isArray(v) ? v.length === 0 : isObj(v) && Object.keys(v).length === 0;
    if (!empty || pes[i - 1] === 'f:metadata') return;
    deletePath(obj, pes.slice(0, i).join(SEP));
  }
}

function atomicObject(field: string): boolean {
  return field === 'selector';
}

/**
 * Structured merge of an applied configuration into a live object (returns a new object).
 * Subtrees of `applied` are used as they are: the applied configuration belongs to the
 * request, and nothing modifies it afterwards.
 */
export function mergeApplied(
  live: unknown,
  applied: unknown,
  field: string,
  builtin: boolean,
  inMeta = false,
): unknown {
  if (isObj(applied)) {
    if (!isObj(live) || atomicObject(field)) return applied;
    const out: Record<string, any> = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) continue;
      out[k] = mergeApplied(live[k], v, k, builtin, inMeta || (field === '' && k === 'metadata'));
    }
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live) && applied.length) {
    const keys = listKeys(field, applied, builtin, inMeta && field !== 'metadata');
    if (keys === 'set') {
      const out = [...live];
      for (const v of applied) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(v);
      return out;
    }
    if (Array.isArray(keys)) {
      const liveKeys = live.map((i) => itemKey(i, keys));
      const appliedKeys = applied.map((i) => itemKey(i, keys));
      if (appliedKeys.every((k) => k !== undefined) && liveKeys.every((k) => k !== undefined)) {
        const out = [...live];
        applied.forEach((item, n) => {
          const at = liveKeys.indexOf(appliedKeys[n]);
          if (at >= 0) out[at] = mergeApplied(live[at], item, '', builtin);
          else out.push(item);
        });
        return out;
      }
    }
  }
  return applied;
}

/** A deep copy of JSON data (objects built from JSON only). */
export function structuredCopy<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  return JSON.parse(JSON.stringify(v)) as T;
}

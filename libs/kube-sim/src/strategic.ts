// Strategic merge patch for built-in kinds: keyed lists (containers, env, ports, volumes, …)
// merge by key, `$patch: delete|replace`, `$deleteFromPrimitiveList/…`, `$retainKeys` and
// `$setElementOrder/…` directives, as kubectl sends them (client-side apply, patch, edit).
import { itemKey, listKeys } from './fieldpath.js';

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function strategicPatch(target: unknown, patch: unknown, builtin: boolean, field = '', inMeta = false): unknown {
  if (!isObj(patch)) return patch;
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return rest;
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, any> = isObj(target) ? { ...target } : {};
  const retain = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const name = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[name]) && Array.isArray(v))
        out[name] = out[name].filter((x: unknown) => !v.some((d) => JSON.stringify(d) === JSON.stringify(x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const childMeta = inMeta || (field === '' && k === 'metadata');
    if (Array.isArray(v)) out[k] = mergeList(out[k], v, k, builtin, childMeta && k !== 'metadata');
    else out[k] = strategicPatch(out[k], v, builtin, k, childMeta);
    if (out[k] === undefined) delete out[k];
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function mergeList(live: unknown, patch: any[], field: string, builtin: boolean, inMeta: boolean): unknown {
  const keys = listKeys(field, patch.length ? patch : Array.isArray(live) ? live : [], builtin, inMeta);
  if (patch.length === 1 && isObj(patch[0]) && patch[0].$patch === 'replace') return [];
  if (!Array.isArray(live) || !keys) return patch.filter((i) => !(isObj(i) && i.$patch));
  if (keys === 'set') {
    const out = [...live];
    for (const v of patch) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(v);
    return out;
  }
  const out = [...live];
  for (const item of patch) {
    const k = itemKey(item, keys);
    if (k === undefined) return patch;
    const at = out.findIndex((i) => itemKey(i, keys) === k);
    if (isObj(item) && item.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = strategicPatch(out[at], item, builtin, '');
    else out.push(strategicPatch(undefined, item, builtin, ''));
  }
  return out;
}

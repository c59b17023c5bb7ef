// managedFields bookkeeping: who owns which field. `recordUpdate` gives the writer of an
// Update (create, PUT, patch) the fields it changed and takes them from everyone else;
// server-side apply (apply.ts) sets an Apply manager's set to exactly what it applied.
import {
  CONTAINER,
  type FieldMap,
  flatten,
  flattenStored,
  fromFieldsV1,
  NODE,
  sameValue,
  toFieldsV1,
} from './fieldpath.js';

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource?: string;
  fields: Set<string>;
  /** The entry as stored, reused verbatim when its fields did not change. */
  raw?: any;
}

export function entryKey(e: Pick<ManagerEntry, 'manager' | 'operation' | 'subresource'>): string {
  return `${e.manager}\u0000${e.operation}\u0000${e.subresource ?? ''}`;
}

/**
 * A manager entry, always built here so every entry has one shape (the same keys in the same
 * order): entries made three ways had three, and the functions reading them were optimized
 * and thrown away again as each new shape turned up.
 */
export function managerEntry(
  manager: string,
  operation: 'Apply' | 'Update',
  apiVersion: string,
  time: string,
  subresource: string | undefined,
  fields: Set<string>,
  raw?: any,
): ManagerEntry {
  return { manager, operation, apiVersion, time, subresource, fields, raw };
}

export function readManagers(obj: any): ManagerEntry[] {
  const list: any[] = Array.isArray(obj?.metadata?.managedFields) ? obj.metadata.managedFields : [];
  return list.map((m) =>
    managerEntry(
      String(m.manager ?? ''),
      m.operation === 'Apply' ? 'Apply' : 'Update',
      String(m.apiVersion ?? ''),
      String(m.time ?? ''),
      m.subresource || undefined,
      fromFieldsV1(m.fieldsV1),
      m,
    ),
  );
}

export function writeManagers(entries: ManagerEntry[]): any[] | undefined {
  const out = entries
    .filter((e) => e.fields.size > 0)
    .map((e) => {
      if (e.raw) return e.raw;
      const m: Record<string, unknown> = {
        manager: e.manager,
        operation: e.operation,
        apiVersion: e.apiVersion,
        time: e.time,
        fieldsType: 'FieldsV1',
        fieldsV1: toFieldsV1(e.fields),
      };
      if (e.subresource) m.subresource = e.subresource;
      return m;
    });
  return out.length ? out : undefined;
}

export interface WriteContext {
  manager: string;
  apiVersion: string;
  subresource?: string;
  builtin: boolean;
  now: string;
}

export function partOf(subresource: string | undefined, hasStatus: boolean): 'main' | 'status' | 'all' {
  if (subresource === 'status') return 'status';
  return hasStatus ? 'main' : 'all';
}

/** Changed (added or modified) and removed paths between two flattened objects. */
export function diffFields(oldF: FieldMap, newF: FieldMap): { changed: Set<string>; removed: Set<string> } {
  const changed = new Set<string>();
  const removed = new Set<string>();
  for (const [p, v] of newF) {
    if (!oldF.has(p)) changed.add(p);
    else if (v !== NODE && v !== CONTAINER && !sameValue(oldF.get(p), v)) changed.add(p);
  }
  for (const p of oldF.keys()) if (!newF.has(p)) removed.add(p);
  return { changed, removed };
}

/** managedFields after an Update-operation write of `next` over `prev` (prev undefined on create). */
export function recordUpdate(prev: any, next: any, ctx: WriteContext & { hasStatus: boolean }): any[] | undefined {
  const part = partOf(ctx.subresource, ctx.hasStatus);
  const { changed, removed } = diffFields(
    flattenStored(prev, { builtin: ctx.builtin, part }),
    flatten(next, { builtin: ctx.builtin, part }),
  );
  const entries = readManagers(prev);
  if (!changed.size && !removed.size) return writeManagers(entries);
  const me = { manager: ctx.manager, operation: 'Update' as const, subresource: ctx.subresource };
  let mine = entries.find((e) => entryKey(e) === entryKey(me));
  for (const e of entries) {
    if (e === mine) continue;
    let touched = false;
    for (const p of changed) if (e.fields.has(p)) touched = true;
    for (const p of removed) if (e.fields.has(p)) touched = true;
    if (!touched) continue;
    e.fields = new Set([...e.fields].filter((p) => !changed.has(p) && !removed.has(p)));
    e.raw = undefined;
  }
  if (!mine && changed.size) {
    mine = managerEntry(me.manager, me.operation, ctx.apiVersion, ctx.now, me.subresource, new Set());
    entries.push(mine);
  }
  if (mine) {
    const fields = new Set([...mine.fields, ...changed].filter((p) => !removed.has(p)));
    if (fields.size !== mine.fields.size || changed.size) {
      mine.fields = fields;
      mine.time = ctx.now;
      mine.apiVersion = ctx.apiVersion;
      mine.raw = undefined;
    }
  }
  return writeManagers(entries);
}

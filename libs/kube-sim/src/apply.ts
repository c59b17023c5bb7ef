// Server-side apply: merge an applied configuration into the live object, with field
// ownership per manager — conflicts (409) when the apply changes a field someone else owns
// (unless forced, which moves ownership), and removal of fields the manager stopped applying
// that no one else owns.
import { KubeError } from './errors.js';
import { applySet, CONTAINER, describePath, flatten, flattenStored, NODE, SEP, sameValue } from './fieldpath.js';
import {
  entryKey,
  managerEntry,
  type ManagerEntry,
  partOf,
  readManagers,
  type WriteContext,
  writeManagers,
} from './managed.js';
import { deletePath, dropEmptyParents, mergeApplied, structuredCopy } from './objpath.js';

export interface ApplyContext extends WriteContext {
  force: boolean;
  hasStatus: boolean;
}

const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
];

function cleanApplied(applied: any, part: 'main' | 'status' | 'all'): any {
  const out: any = { ...applied, metadata: { ...(applied.metadata ?? {}) } };
  // Only keys that are there: `delete` of an absent key still costs a runtime call.
  for (const k of SERVER_METADATA) if (Object.hasOwn(out.metadata, k)) delete out.metadata[k];
  if (part === 'main' && Object.hasOwn(out, 'status')) delete out.status;
  if (part === 'status') {
    for (const k of Object.keys(out)) if (!['apiVersion', 'kind', 'metadata', 'status'].includes(k)) delete out[k];
    out.metadata = { name: out.metadata.name, namespace: out.metadata.namespace };
  }
  return out;
}

function conflictError(conflicts: Map<ManagerEntry, string[]>): KubeError {
  const total = [...conflicts.values()].reduce((n, l) => n + l.length, 0);
  const causes: { reason: string; message: string; field: string }[] = [];
  const parts: string[] = [];
  for (const [e, paths] of conflicts) {
    const who = `"${e.manager}"${e.subresource ? ` with subresource "${e.subresource}"` : ''} using ${e.apiVersion}`;
    for (const p of paths) causes.push({ reason: 'FieldManagerConflict', message: `conflict with ${who}`, field: p });
    parts.push(
      paths.length === 1
        ? `conflict with ${who}: ${paths[0]}`
        : `conflicts with ${who}:\n${paths.map((p) => `- ${p}`).join('\n')}`,
    );
  }
  const msg = `Apply failed with ${total} conflict${total === 1 ? '' : 's'}: ${parts.join('\n')}`;
  return new KubeError(409, 'Conflict', msg, { causes });
}

/** A key field of a keyed-list item ("…\nk:{\"name\":\"web\"}\nf:name"). */
function isItemKey(p: string): boolean {
  const pes = p.split(SEP);
  const parent = pes[pes.length - 2];
  const last = pes[pes.length - 1];
  if (!parent?.startsWith('k:') || !last.startsWith('f:')) return false;
  return Object.prototype.hasOwnProperty.call(JSON.parse(parent.slice(2)), last.slice(2));
}

/** The object after applying `applied` as `ctx.manager` (live undefined: the apply creates it). */
export function serverSideApply(live: any, applied: any, ctx: ApplyContext): any {
  const part = partOf(ctx.subresource, ctx.hasStatus);
  const clean = cleanApplied(applied, part);
  const appliedF = flatten(clean, { builtin: ctx.builtin, part });
  const liveF = flattenStored(live, { builtin: ctx.builtin, part });
  const entries = readManagers(live);
  const meKey = entryKey({ manager: ctx.manager, operation: 'Apply', subresource: ctx.subresource });
  let mine = entries.find((e) => entryKey(e) === meKey);
  const others = entries.filter((e) => e !== mine);

  const conflicts = new Map<ManagerEntry, string[]>();
  const taken = new Set<string>();
  for (const [p, v] of appliedF) {
    if (v === NODE || v === CONTAINER || !liveF.has(p) || sameValue(liveF.get(p), v)) continue;
    for (const e of others) {
      if (!e.fields.has(p)) continue;
      if (ctx.force) taken.add(p);
      else conflicts.set(e, [...(conflicts.get(e) ?? []), describePath(p)]);
    }
  }
  if (conflicts.size) throw conflictError(conflicts);
  if (taken.size) {
    for (const e of others) {
      if (![...taken].some((p) => e.fields.has(p))) continue;
      e.fields = new Set([...e.fields].filter((p) => !taken.has(p)));
      e.raw = undefined;
    }
  }

  let merged: any = mergeApplied(live ?? {}, clean, '', ctx.builtin);
  merged.metadata = { ...merged.metadata };
  // Shallow paths first: removing a list item or map removes what is below it. The key
  // fields of a list item that stays are never removed on their own.
  const stale = [...(mine?.fields ?? [])]
    .filter((p) => !appliedF.has(p) && !isItemKey(p))
    .sort((a, b) => a.length - b.length);
  if (stale.length) {
    const ownedByOthers = (p: string) =>
      others.some((e) => e.fields.has(p) || [...e.fields].some((q) => q.startsWith(p + SEP)));
    merged = structuredCopy(merged);
    for (const p of stale) if (!ownedByOthers(p) && deletePath(merged, p)) dropEmptyParents(merged, p);
  }

  const newFields = applySet(appliedF);
  if (!mine) {
    mine = managerEntry(ctx.manager, 'Apply', ctx.apiVersion, ctx.now, ctx.subresource, newFields);
    entries.push(mine);
  } else if (
    mine.fields.size !== newFields.size ||
    [...newFields].some((p) => !mine!.fields.has(p)) ||
    mine.apiVersion !== ctx.apiVersion
  ) {
    Object.assign(mine, { fields: newFields, time: ctx.now, apiVersion: ctx.apiVersion, raw: undefined });
  }
  const managed = writeManagers(entries);
  if (managed) merged.metadata.managedFields = managed;
  else delete merged.metadata.managedFields;
  return merged;
}

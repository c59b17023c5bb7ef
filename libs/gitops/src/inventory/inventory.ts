/**
 * The agent's inventory: the set of objects it applied, as sorted {id, apiVersion} entries
 * (flux's format). Pruning only ever considers objects in the previous inventory that the new
 * render lacks; an empty or failed render prunes nothing; `flotilla.dev/prune: disabled` keeps
 * an object; a failed delete stays in the inventory.
 */
import { compareForApply } from '../objects/apply-order.js';
import type { KubeObject } from '../objects/kube-object.js';
import { objectId, parseObjectId } from '../objects/kube-object.js';

export const PRUNE_ANNOTATION = 'flotilla.dev/prune';
export const PRUNE_DISABLED = 'disabled';

export interface InventoryEntry {
  id: string;
  apiVersion: string;
}

export interface Inventory {
  entries: InventoryEntry[];
}

function byId(a: InventoryEntry, b: InventoryEntry): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A sorted, de-duplicated inventory (the last apiVersion given for an id wins). */
export function makeInventory(entries: Iterable<InventoryEntry>): Inventory {
  const map = new Map<string, InventoryEntry>();
  for (const e of entries) {
    parseObjectId(e.id);
    map.set(e.id, { id: e.id, apiVersion: e.apiVersion });
  }
  return { entries: [...map.values()].sort(byId) };
}

export function inventoryOf(objects: readonly KubeObject[]): Inventory {
  return makeInventory(objects.map((o) => ({ id: objectId(o), apiVersion: o.apiVersion })));
}

/** A stand-in object for ordering an entry among others. */
export function entryAsObject(entry: InventoryEntry): KubeObject {
  const ref = parseObjectId(entry.id);
  return {
    apiVersion: entry.apiVersion,
    kind: ref.kind,
    metadata: ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name },
  };
}

export const PruneSkipReason = {
  /** The render had no objects: that looks like a mistake, not an intent to delete everything. */
  EmptyRender: 'EmptyRender',
  /** The render failed: nothing is known about what should exist. */
  FailedRender: 'FailedRender',
} as const;
export type PruneSkipReason = (typeof PruneSkipReason)[keyof typeof PruneSkipReason];

export interface InventoryDiff {
  /** Entries to delete, in reverse apply order (workloads before their config, namespaces last). */
  prune: InventoryEntry[];
  /** Entries kept although no longer rendered, because their live object says prune: disabled. */
  retained: InventoryEntry[];
  /** Set when nothing was pruned on purpose. */
  skipped?: PruneSkipReason;
}

export interface DiffInventoryOptions {
  /** The live (or last applied) annotations of an object by id, to honour `flotilla.dev/prune: disabled`. */
  annotationsOf?: (id: string) => Record<string, string> | undefined;
}

/** What to prune going from `previous` to `next` (`undefined` = the render failed). */
export function diffInventory(
  previous: Inventory,
  next: Inventory | undefined,
  options: DiffInventoryOptions = {},
): InventoryDiff {
  if (next === undefined) return { prune: [], retained: [], skipped: PruneSkipReason.FailedRender };
  if (next.entries.length === 0) return { prune: [], retained: [], skipped: PruneSkipReason.EmptyRender };
  const wanted = new Set(next.entries.map((e) => e.id));
  const gone = previous.entries.filter((e) => !wanted.has(e.id));
  const retained = gone.filter((e) => options.annotationsOf?.(e.id)?.[PRUNE_ANNOTATION] === PRUNE_DISABLED);
  const prune = gone
    .filter((e) => !retained.includes(e))
    .sort((a, b) => compareForApply(entryAsObject(b), entryAsObject(a)));
  return { prune, retained };
}

/**
 * The inventory to record after a prune: the new render, plus every entry whose delete failed
 * (so it is retried next time). Retained entries leave the inventory: they are no longer managed.
 */
export function inventoryAfterPrune(next: Inventory, diff: InventoryDiff, failedIds: Iterable<string>): Inventory {
  const failed = new Set(failedIds);
  return makeInventory([...next.entries, ...diff.prune.filter((e) => failed.has(e.id))]);
}

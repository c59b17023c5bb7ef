/**
 * Tree surgery in a Git object store: which paths differ between two trees, and a new root tree
 * that is an existing tree with some paths replaced or removed. Every untouched entry is carried
 * over from the existing tree objects — never from a (partial) checkout or index, so a commit
 * built on it cannot drop files it did not mean to touch.
 */
import type { GitTreeEntry } from '@flotilla/gitops';

export interface TreeStore {
  readTree(oid: string): Promise<readonly GitTreeEntry[]>;
  writeTree(entries: GitTreeEntry[]): Promise<string>;
}

/** A path's content: a blob (mode + oid), or null for "absent". */
export type PathContent = { mode: string; oid: string } | null;

const EMPTY: readonly GitTreeEntry[] = [];

async function entriesOf(store: TreeStore, oid: string | undefined): Promise<Map<string, GitTreeEntry>> {
  return new Map((oid ? await store.readTree(oid) : EMPTY).map((e) => [e.path, e]));
}

/** Every file path whose content differs between trees `a` and `b`, with its content in each. */
export async function diffTrees(
  store: TreeStore,
  a: string | undefined,
  b: string | undefined,
  prefix = '',
): Promise<Map<string, { a: PathContent; b: PathContent }>> {
  const out = new Map<string, { a: PathContent; b: PathContent }>();
  if (a === b) return out;
  const [ea, eb] = await Promise.all([entriesOf(store, a), entriesOf(store, b)]);
  for (const name of new Set([...ea.keys(), ...eb.keys()])) {
    const x = ea.get(name);
    const y = eb.get(name);
    if (x && y && x.oid === y.oid && x.mode === y.mode) continue;
    const path = prefix ? `${prefix}/${name}` : name;
    const xTree = x?.type === 'tree' ? x.oid : undefined;
    const yTree = y?.type === 'tree' ? y.oid : undefined;
    if (xTree || yTree) for (const [p, d] of await diffTrees(store, xTree, yTree, path)) out.set(p, d);
    const xFile = x && x.type !== 'tree' ? { mode: x.mode, oid: x.oid } : null;
    const yFile = y && y.type !== 'tree' ? { mode: y.mode, oid: y.oid } : null;
    if (xFile || yFile) out.set(path, { a: xFile, b: yFile });
  }
  return out;
}

/** Writes `base` with each path in `changes` set to its content (null removes it); empty directories vanish. */
export async function editTree(
  store: TreeStore,
  base: string | undefined,
  changes: ReadonlyMap<string, PathContent>,
): Promise<string | undefined> {
  const here = new Map<string, PathContent>();
  const below = new Map<string, Map<string, PathContent>>();
  for (const [path, content] of changes) {
    const slash = path.indexOf('/');
    if (slash < 0) here.set(path, content);
    else {
      const dir = path.slice(0, slash);
      if (!below.has(dir)) below.set(dir, new Map());
      below.get(dir)?.set(path.slice(slash + 1), content);
    }
  }
  const entries = await entriesOf(store, base);
  for (const [name, content] of here) {
    if (content)
      entries.set(name, {
        path: name,
        mode: content.mode,
        oid: content.oid,
        type: content.mode === '160000' ? 'commit' : 'blob',
      });
    else entries.delete(name);
  }
  for (const [dir, sub] of below) {
    const existing = entries.get(dir);
    const oid = await editTree(store, existing?.type === 'tree' ? existing.oid : undefined, sub);
    if (oid) entries.set(dir, { path: dir, mode: '040000', oid, type: 'tree' });
    else entries.delete(dir);
  }
  if (entries.size === 0) return undefined;
  return store.writeTree([...entries.values()]);
}

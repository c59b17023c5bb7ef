/**
 * Is one commit the other or built on top of it? A walk over parent links from the newer commit,
 * over a store that may be shallow: a missing commit makes the answer `incomplete` (fetch deeper
 * and ask again) unless the ancestor was found anyway.
 */

export type Ancestry = 'descendant' | 'not-descendant' | 'incomplete';

export interface AncestryQuery {
  /** The commit that should be the newer one. */
  oid: string;
  /** The commit it should descend from (or equal). */
  ancestor: string;
  /** Parent ids of a commit, or undefined when the store does not hold it (shallow boundary). */
  readParents: (oid: string) => Promise<readonly string[] | undefined>;
  /** Stop after this many commits (answers `incomplete`). */
  maxCommits: number;
}

export async function ancestryOf(q: AncestryQuery): Promise<Ancestry> {
  if (q.oid === q.ancestor) return 'descendant';
  const seen = new Set<string>([q.oid]);
  const queue = [q.oid];
  let incomplete = false;
  for (let i = 0; i < queue.length; i++) {
    if (seen.size > q.maxCommits) return 'incomplete';
    const parents = await q.readParents(queue[i]!);
    if (!parents) {
      incomplete = true;
      continue;
    }
    for (const p of parents) {
      if (p === q.ancestor) return 'descendant';
      if (!seen.has(p)) {
        seen.add(p);
        queue.push(p);
      }
    }
  }
  return incomplete ? 'incomplete' : 'not-descendant';
}

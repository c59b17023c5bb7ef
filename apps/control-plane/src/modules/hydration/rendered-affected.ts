/**
 * Affected clusters under hydration: a cluster is affected when its folder's Git tree in the new
 * rendered commit differs from the one in the rendered commit it runs (a tree-hash comparison,
 * nothing is rendered or read). A cluster that never ran a rendered commit is affected.
 */
export interface RenderedCluster {
  id: string;
  /** Its folder in the rendered branch. */
  name: string;
  /** Folder trees of the rendered commit it runs now; undefined when it runs none. */
  current?: ReadonlyMap<string, string>;
}

export function affectedByTree(
  clusters: readonly RenderedCluster[],
  target: ReadonlyMap<string, string>,
): { affected: string[]; unaffected: string[] } {
  const affected: string[] = [];
  const unaffected: string[] = [];
  for (const c of clusters) {
    const now = c.current?.get(c.name);
    const next = target.get(c.name);
    (c.current && now === next ? unaffected : affected).push(c.id);
  }
  return { affected, unaffected };
}

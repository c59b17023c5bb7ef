/**
 * Affected clusters: a cluster is affected by a new revision when its rendered manifests (the
 * same render the agent runs, compared by renderDigest) differ between the revision it runs and
 * the new one. Renders are memoized per (revision, path), so clusters sharing a path or a
 * revision cost one render. A render failure counts as content: failing on either side only
 * equally (same code and reason) leaves a cluster unaffected.
 */
import { isRenderError } from '../errors/render-error.js';
import { renderDigest } from '../objects/digest.js';
import { render } from '../render/render.js';
import type { RenderOptions } from '../render/render-options.js';
import type { RepoTree } from '../tree/repo-tree.js';

export interface AffectedInput {
  id: string;
  /** The cluster's path in the repository. */
  path: string;
  /** The revision it runs (or is pinned to); undefined when it never had one. */
  revision?: string;
}

export interface AffectedResult {
  affected: string[];
  unaffected: string[];
  /** Digest (or `error:<code>:<reason>`) of each affected cluster's render at the target, by cluster id. */
  targetDigests: Record<string, string>;
}

export interface ComputeAffectedOptions {
  clusters: readonly AffectedInput[];
  target: string;
  /** A RepoTree over the given commit (e.g. ObjectStoreTree over isomorphic-git). */
  treeAt: (revision: string) => Promise<RepoTree> | RepoTree;
  renderOptions?: RenderOptions;
}

export async function computeAffected(options: ComputeAffectedOptions): Promise<AffectedResult> {
  const trees = new Map<string, Promise<RepoTree>>();
  const digests = new Map<string, Promise<string>>();
  const treeOf = (rev: string) => {
    let t = trees.get(rev);
    if (!t) trees.set(rev, (t = Promise.resolve(options.treeAt(rev))));
    return t;
  };
  const digestOf = (rev: string, path: string): Promise<string> => {
    const key = `${rev}\u0000${path}`;
    let d = digests.get(key);
    if (!d) {
      d = treeOf(rev).then(async (tree) => {
        try {
          return renderDigest((await render(tree, path, options.renderOptions)).objects);
        } catch (e) {
          if (isRenderError(e)) return `error:${e.code}:${e.reason}`;
          throw e;
        }
      });
      digests.set(key, d);
    }
    return d;
  };
  const result: AffectedResult = { affected: [], unaffected: [], targetDigests: {} };
  for (const c of options.clusters) {
    const next = await digestOf(options.target, c.path);
    const same = c.revision !== undefined && (c.revision === options.target || (await digestOf(c.revision, c.path)) === next);
    if (same) result.unaffected.push(c.id);
    else {
      result.affected.push(c.id);
      result.targetDigests[c.id] = next;
    }
  }
  return result;
}

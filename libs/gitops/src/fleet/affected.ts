/**
 * Affected clusters: a cluster is affected by a new revision when its rendered manifests (the
 * same render the agent runs, compared by renderDigest) differ between the revision it runs and
 * the new one. Renders are memoized per (revision, path) — pass `memo` to keep them across calls
 * — so clusters sharing a path or a revision cost one render. With `changedPaths`, a cluster
 * whose previous render read none of the changed files (and none changed under its path or in a
 * directory it read from) is unaffected without rendering the new revision at all. A render
 * failure counts as content: failing on both sides equally (same code and reason) is unaffected.
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

/** A render summarized: its digest and the files it read (undefined when it failed). */
export interface RenderSummary {
  digest: string;
  files?: readonly string[];
}

export type RenderMemo = Map<string, Promise<RenderSummary>>;

export interface ComputeAffectedOptions {
  clusters: readonly AffectedInput[];
  target: string;
  /** A RepoTree over the given commit (e.g. ObjectStoreTree over isomorphic-git). */
  treeAt: (revision: string) => Promise<RepoTree> | RepoTree;
  /** Repo paths whose content differs between two revisions (files only). */
  changedPaths?: (from: string, to: string) => Promise<readonly string[]>;
  memo?: RenderMemo;
  renderOptions?: RenderOptions;
}

const dirname = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');

/** True when a change may alter a render that read `files` from `path`. */
export function changeTouches(summary: RenderSummary, path: string, changed: readonly string[]): boolean {
  if (!summary.files) return changed.length > 0;
  const files = new Set(summary.files);
  const dirs = new Set(summary.files.map(dirname));
  const prefix = path === '' ? '' : `${path}/`;
  return changed.some((p) => files.has(p) || p === path || p.startsWith(prefix) || dirs.has(dirname(p)));
}

export async function computeAffected(options: ComputeAffectedOptions): Promise<AffectedResult> {
  const trees = new Map<string, Promise<RepoTree>>();
  const memo: RenderMemo = options.memo ?? new Map();
  const diffs = new Map<string, Promise<readonly string[]>>();
  const treeOf = (rev: string) => {
    let t = trees.get(rev);
    if (!t) trees.set(rev, (t = Promise.resolve(options.treeAt(rev))));
    return t;
  };
  const summaryOf = (rev: string, path: string): Promise<RenderSummary> => {
    const key = `${rev}\u0000${path}`;
    let d = memo.get(key);
    if (!d) {
      d = treeOf(rev).then(async (tree) => {
        try {
          const r = await render(tree, path, options.renderOptions);
          return { digest: renderDigest(r.objects), files: r.files };
        } catch (e) {
          if (isRenderError(e)) return { digest: `error:${e.code}:${e.reason}` };
          throw e;
        }
      });
      d.catch(() => memo.delete(key));
      memo.set(key, d);
    }
    return d;
  };
  const changed = (from: string): Promise<readonly string[]> | undefined => {
    if (!options.changedPaths) return undefined;
    let c = diffs.get(from);
    if (!c) diffs.set(from, (c = options.changedPaths(from, options.target)));
    return c;
  };
  const result: AffectedResult = { affected: [], unaffected: [], targetDigests: {} };
  for (const c of options.clusters) {
    let same = c.revision === options.target;
    if (!same && c.revision !== undefined) {
      const before = await summaryOf(c.revision, c.path);
      const diff = changed(c.revision);
      if (diff && !changeTouches(before, c.path, await diff)) {
        same = true;
        if (!memo.has(`${options.target}\u0000${c.path}`))
          memo.set(`${options.target}\u0000${c.path}`, Promise.resolve(before));
      } else same = before.digest === (await summaryOf(options.target, c.path)).digest;
    }
    if (same) result.unaffected.push(c.id);
    else {
      result.affected.push(c.id);
      result.targetDigests[c.id] = (await summaryOf(options.target, c.path)).digest;
    }
  }
  return result;
}

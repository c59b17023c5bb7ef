/**
 * render(tree, path): the objects a cluster path stands for. Plain `.yaml`/`.yml` files at any
 * depth, or — when the path holds a kustomization — Flotilla's kustomize subset (kustomize.md).
 * Deterministic: objects come sorted in apply order, files sorted. Any problem throws a
 * RenderError naming the file and the reason, and nothing is rendered.
 */
import { RenderError, RenderErrorCode } from '../errors/render-error.js';
import type { KubeObject } from '../objects/kube-object.js';
import { objectId } from '../objects/kube-object.js';
import { sortForApply } from '../objects/apply-order.js';
import { joinRepoPath, normalizeRepoPath } from '../tree/repo-path.js';
import type { RepoTree } from '../tree/repo-tree.js';
import { buildKustomization, findKustomizationFile } from './kustomize/build.js';
import { toKubeObjects } from './manifest-objects.js';
import { RenderContext } from './render-context.js';
import type { RenderExtras, RenderOptions } from './render-options.js';
import { resolveRenderOptions } from './render-options.js';

export interface RenderResult {
  /** The rendered objects, in apply order. */
  objects: KubeObject[];
  /** Every repo file the render read, sorted. */
  files: string[];
  /** The file each object came from, by object id (a generated object names its kustomization). */
  sources: Record<string, string>;
  /** Warnings of a render that built (kubectl kustomize builds the same and would say the same), in order. */
  warnings: string[];
  /** For a kustomization path: object ids in the order `kubectl kustomize` prints them (`sortOptions`). */
  kustomizeOrder?: string[];
}

interface Sourced {
  obj: KubeObject;
  file: string;
}

const MANIFEST_FILE = /\.ya?ml$/i;

/** How many manifest files of a directory are read ahead of the one being parsed. */
const READ_AHEAD = 8;

async function renderPlain(ctx: RenderContext, dir: string): Promise<Sourced[]> {
  const out: Sourced[] = [];
  const names = await ctx.listDir(dir);
  const manifests = names.filter((name) => MANIFEST_FILE.test(name)).map((name) => joinRepoPath(dir, name));
  let next = 0;
  for (const name of names) {
    const path = joinRepoPath(dir, name);
    const entry = await ctx.entry(path);
    if (!entry) continue;
    if (entry.type === 'dir') {
      out.push(
        ...((await findKustomizationFile(ctx, path))
          ? await buildKustomization(ctx, path)
          : await renderPlain(ctx, path)),
      );
    } else if (entry.type === 'file' && MANIFEST_FILE.test(name)) {
      while (manifests[next] !== path) next++;
      ctx.prefetch(manifests.slice(next, next + READ_AHEAD));
      const objects = toKubeObjects(path, await ctx.readYamlDocuments(path, path));
      out.push(...objects.map((obj) => ({ obj, file: path })));
    }
  }
  return out;
}

function finish(ctx: RenderContext, sourced: readonly Sourced[]): RenderResult {
  if (sourced.length > ctx.options.maxObjects) {
    throw new RenderError(
      RenderErrorCode.TooManyObjects,
      sourced[ctx.options.maxObjects]?.file ?? '',
      `render has ${sourced.length} objects, over the cap of ${ctx.options.maxObjects}`,
    );
  }
  const seen = new Map<string, string>();
  for (const { obj, file } of sourced) {
    const id = objectId(obj);
    const first = seen.get(id);
    if (first !== undefined)
      throw new RenderError(RenderErrorCode.DuplicateObject, file, `object ${id} is also defined in ${first}`);
    seen.set(id, file);
  }
  const objects = sortForApply(sourced.map((s) => s.obj));
  const sources = Object.fromEntries([...seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { objects, files: [...ctx.filesRead].sort(), sources, warnings: [...ctx.warnings] };
}

/** Renders the repo path `path` (a directory, or a single manifest file) of `tree`. */
export async function render(
  tree: RepoTree,
  path: string,
  options?: RenderOptions & RenderExtras,
): Promise<RenderResult> {
  const ctx = new RenderContext(tree, resolveRenderOptions(options), options?.cache, options?.helm);
  const root = normalizeRepoPath(path);
  const entry = await ctx.entry(root);
  if (!entry) throw new RenderError(RenderErrorCode.PathNotFound, root, 'path does not exist in the repository');
  if (entry.type === 'file') {
    const objects = toKubeObjects(root, await ctx.readYamlDocuments(root, root));
    return finish(
      ctx,
      objects.map((obj) => ({ obj, file: root })),
    );
  }
  const kustomization = await findKustomizationFile(ctx, root);
  if (!kustomization) return finish(ctx, await renderPlain(ctx, root));
  const built = await buildKustomization(ctx, root);
  return { ...finish(ctx, built), kustomizeOrder: built.map((b) => objectId(b.obj)) };
}

/**
 * render/: the objects a cluster path stands for, rendered by libs/gitops from the commit's tree
 * (the same code, byte for byte, as the hub's), then labelled with their owner so watches and
 * humans can find what this agent manages. A parse cache spans renders: only changed files are parsed again.
 */
import { createHash } from 'node:crypto';
import { ParseCache, objectDigest, objectId, render, type KubeObject, type RenderOptions } from '@flotilla/gitops';
import type { Artifact } from '../source/fetcher.js';
import { GitTree } from '../source/git-tree.js';

export const OWNER_LABEL = 'flotilla.dev/cluster';

export interface Manifests {
  revision: string;
  objects: KubeObject[];
  /** The repo file each object came from, by object id. */
  sources: Record<string, string>;
  /** Content digest of each object, by id. */
  digests: Map<string, string>;
  /** What the render built but would have the author look at (e.g. a patch whose target matched nothing). */
  warnings: string[];
}

export function withOwner(obj: KubeObject, clusterId: string): KubeObject {
  return {
    ...obj,
    metadata: { ...obj.metadata, labels: { ...(obj.metadata.labels ?? {}), [OWNER_LABEL]: clusterId } },
  };
}

export class Renderer {
  private readonly cache = new ParseCache(5_000);
  /** The last render and what it read: reused as-is while the path and every file read are unchanged. */
  private last: { key: string; path: string; files: string[]; manifests: Manifests } | undefined;

  constructor(
    private readonly clusterId: string,
    private readonly options: RenderOptions = {},
  ) {}

  /** Git object ids of the path and of every file a render read: the same ids mean the same render. */
  private async keyOf(tree: Artifact['tree'], path: string, files: readonly string[]): Promise<string | undefined> {
    if (!(tree instanceof GitTree)) return undefined;
    const hash = createHash('sha256').update(`${path}\u0000${(await tree.oidOf(path)) ?? ''}`);
    for (const f of files) hash.update(`\u0000${f}\u0000${(await tree.oidOf(f)) ?? ''}`);
    return hash.digest('hex');
  }

  async render(artifact: Artifact, path: string): Promise<Manifests> {
    const last = this.last;
    if (last && last.path === path && (await this.keyOf(artifact.tree, path, last.files)) === last.key) {
      return { ...last.manifests, revision: artifact.revision };
    }
    const result = await render(artifact.tree, path, { ...this.options, cache: this.cache });
    const objects = result.objects.map((o) => withOwner(o, this.clusterId));
    const sources: Record<string, string> = {};
    const digests = new Map<string, string>();
    for (const o of objects) {
      sources[objectId(o)] = result.sources[objectId(o)] ?? path;
      digests.set(objectId(o), objectDigest(o));
    }
    const manifests = { revision: artifact.revision, objects, sources, digests, warnings: result.warnings };
    const key = await this.keyOf(artifact.tree, path, result.files);
    this.last = key ? { key, path, files: result.files, manifests } : undefined;
    return manifests;
  }
}

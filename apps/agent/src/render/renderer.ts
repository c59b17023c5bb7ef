/**
 * render/: the objects a cluster path stands for, rendered by libs/gitops from the commit's tree
 * (the same code, byte for byte, as the hub's), then labelled with their owner so watches and
 * humans can find what this agent manages. A parse cache spans renders: only changed files are parsed again.
 */
import { ParseCache, objectId, render, type KubeObject, type RenderOptions } from '@flotilla/gitops';
import type { Artifact } from '../source/fetcher.js';

export const OWNER_LABEL = 'flotilla.dev/cluster';

export interface Manifests {
  revision: string;
  objects: KubeObject[];
  /** The repo file each object came from, by object id. */
  sources: Record<string, string>;
}

export function withOwner(obj: KubeObject, clusterId: string): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, labels: { ...(obj.metadata.labels ?? {}), [OWNER_LABEL]: clusterId } } };
}

export class Renderer {
  private readonly cache = new ParseCache(5_000);

  constructor(
    private readonly clusterId: string,
    private readonly options: RenderOptions = {},
  ) {}

  async render(artifact: Artifact, path: string): Promise<Manifests> {
    const result = await render(artifact.tree, path, { ...this.options, cache: this.cache });
    const objects = result.objects.map((o) => withOwner(o, this.clusterId));
    const sources: Record<string, string> = {};
    for (const o of objects) sources[objectId(o)] = result.sources[objectId(o)] ?? path;
    return { revision: artifact.revision, objects, sources };
  }
}

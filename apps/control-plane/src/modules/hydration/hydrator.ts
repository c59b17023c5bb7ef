/**
 * Hydration: a source commit of the fleet branch → one commit on the rendered branch holding every
 * cluster's fully rendered plain manifests (rendered-tree.ts), with a `Flotilla-Source: <sha>`
 * trailer. Identical inputs render once: a path whose charts never refer to the cluster renders
 * once for all its clusters, `helm template` runs once per distinct chart and values, and equal
 * renders share one Git tree. The commit takes the source commit's time, so hydrating the same
 * source on the same rendered head gives the same commit. Any render failure (except a cluster
 * whose folder is not in the commit yet, which gets no folder, as its agent would fail the same)
 * is a HydrationError naming the cluster, the file (and chart) and the reason: nothing is written.
 * With a signer (the signed-commit policy's FLEET_SIGNING_KEY_FILE) rendered commits are signed, so
 * agents holding the trusted keys accept them.
 */
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import {
  isRenderError,
  type KubeObject,
  render,
  RenderErrorCode,
  type RenderErrorData,
  type RepoTree,
} from '@flotilla/gitops';
import type { ClusterFacts } from './helm/cluster-values.js';
import type { HelmChartRenderer } from './helm/helm-chart-renderer.js';
import { writeRenderTree, writeRootTree } from './rendered-tree.js';

export interface HydrationCluster {
  id: string;
  /** Its folder in the rendered branch. */
  name: string;
  /** Its path in the fleet repository. */
  path: string;
  facts: ClusterFacts;
}

export interface HydrationResult {
  sourceRevision: string;
  renderedRevision: string;
  /** Each cluster's folder tree in the rendered commit (absent: its path is not in the source commit). */
  trees: Record<string, string>;
  /** How many renders ran (distinct inputs). */
  renders: number;
}

export class HydrationError extends Error {
  constructor(
    readonly cluster: string,
    readonly code: string,
    readonly data: RenderErrorData,
  ) {
    super(`cluster ${cluster}: ${data.file}: ${data.reason}`);
  }
}

export interface HydratorOptions {
  /** The bare store (shared with the fleet source) the rendered objects and commits are written to. */
  gitdir: string;
  renderer: HelmChartRenderer;
  treeAt: (revision: string) => Promise<RepoTree>;
  /** Signs rendered commits (the hub's key, FLEET_SIGNING_KEY_FILE); asked per commit, as the key loads at boot. */
  signer?: () => ((payload: string) => Promise<string>) | undefined;
}

export const SOURCE_TRAILER = 'Flotilla-Source';
const AUTHOR = { name: 'Flotilla', email: 'flotilla@flotilla.invalid' };

/** The source commit a rendered commit names in its trailer. */
export function sourceOf(message: string): string | undefined {
  return new RegExp(`^${SOURCE_TRAILER}: ([0-9a-f]{40})$`, 'm').exec(message)?.[1];
}

export class Hydrator {
  private readonly cache = {};
  constructor(private readonly opts: HydratorOptions) {}

  private get store() {
    const { gitdir } = this.opts;
    return {
      writeBlob: (blob: Uint8Array) => git.writeBlob({ fs, gitdir, blob }),
      writeTree: (tree: Parameters<typeof git.writeTree>[0]['tree']) => git.writeTree({ fs, gitdir, tree }),
    };
  }

  /** Renders every cluster at `source` and writes the rendered commit on top of `parent` (not pushed). */
  async hydrate(source: string, clusters: readonly HydrationCluster[], parent?: string): Promise<HydrationResult> {
    const tree = await this.opts.treeAt(source);
    const renders = new Map<string, Promise<KubeObject[] | undefined>>();
    const sharedByPath = new Map<string, Promise<boolean>>();
    let count = 0;
    const renderOnce = (key: string, path: string, facts: ClusterFacts, usage?: { cluster: boolean }) => {
      let pending = renders.get(key);
      if (!pending) {
        count++;
        pending = render(tree, path, { helm: this.opts.renderer.inflater(facts, usage) }).then(
          (r) => r.objects,
          (e: unknown) => {
            if (isRenderError(e) && e.code === RenderErrorCode.PathNotFound) return undefined;
            throw e;
          },
        );
        renders.set(key, pending);
      }
      return pending;
    };
    const objectsOf = async (c: HydrationCluster): Promise<KubeObject[] | undefined> => {
      // The path's first cluster finds out whether its charts refer to the cluster at all.
      let shared = sharedByPath.get(c.path);
      if (!shared) {
        const usage = { cluster: false };
        shared = renderOnce(`path:${c.path}`, c.path, c.facts, usage).then(() => !usage.cluster);
        sharedByPath.set(c.path, shared);
        shared.catch(() => undefined);
      }
      return (await shared)
        ? renderOnce(`path:${c.path}`, c.path, c.facts)
        : renderOnce(`cluster:${c.path}\0${JSON.stringify(c.facts)}`, c.path, c.facts);
    };
    const results = await Promise.allSettled(clusters.map((c) => objectsOf(c)));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) {
      const cluster = clusters[failed]!;
      const reason = (results[failed] as PromiseRejectedResult).reason as unknown;
      if (isRenderError(reason)) throw new HydrationError(cluster.name, reason.code, reason.data);
      throw reason;
    }
    const treeByRender = new Map<KubeObject[], Promise<string>>();
    const folders = new Map<string, string>();
    const trees: Record<string, string> = {};
    for (const [i, c] of clusters.entries()) {
      const objects = (results[i] as PromiseFulfilledResult<KubeObject[] | undefined>).value;
      if (!objects) continue;
      let oid = treeByRender.get(objects);
      if (!oid) {
        oid = writeRenderTree(this.store, objects, c.path);
        treeByRender.set(objects, oid);
      }
      trees[c.id] = await oid;
      folders.set(c.name, trees[c.id]!);
    }
    const root = await writeRootTree(this.store, folders);
    const { commit: src } = await git.readCommit({ fs, gitdir: this.opts.gitdir, oid: source, cache: this.cache });
    const when = { timestamp: src.committer.timestamp, timezoneOffset: src.committer.timezoneOffset };
    const message = `Rendered ${source.slice(0, 12)}: ${src.message.split('\n')[0]}\n\n${SOURCE_TRAILER}: ${source}\n`;
    const sign = this.opts.signer?.();
    // Unsigned, the commit takes the source commit's time: the same source on the same parent is the same commit.
    const renderedRevision = sign
      ? await git.commit({
          fs,
          gitdir: this.opts.gitdir,
          message,
          tree: root,
          parent: parent ? [parent] : [],
          author: { ...AUTHOR, ...when },
          committer: { ...AUTHOR, ...when },
          noUpdateBranch: true,
          signingKey: 'FLEET_SIGNING_KEY_FILE',
          onSign: async ({ payload }) => ({ signature: await sign(payload) }),
        })
      : await git.writeCommit({
          fs,
          gitdir: this.opts.gitdir,
          commit: {
            message,
            tree: root,
            parent: parent ? [parent] : [],
            author: { ...AUTHOR, ...when },
            committer: { ...AUTHOR, ...when },
          },
        });
    return { sourceRevision: source, renderedRevision, trees, renders: count };
  }
}

/**
 * Renders a cluster's path at a revision for previews (libs/gitops render over the fleet repo's
 * object store), with the hub's Helm charts when hydration is on — the output the cluster would run.
 * Within one `session`, a path renders once per revision unless a chart's values name the cluster.
 */
import { Injectable } from '@nestjs/common';
import { render, RenderError, type KubeObject, type RepoTree } from '@flotilla/gitops';
import type { Cluster } from '../clusters/cluster.entity.js';
import { HydrationService } from '../hydration/hydration.service.js';
import type { DiffRenderErrorModel } from './models/cluster-diff.model.js';

export type Rendered = { objects: KubeObject[]; warnings: string[] } | { error: DiffRenderErrorModel };

export type PreviewCluster = Pick<Cluster, 'name' | 'region' | 'provider' | 'kubeVersion' | 'tags'>;

/** Renders shared by the clusters of one request, by revision and path. */
export type RenderSession = Map<string, Promise<{ rendered: Rendered; perCluster: boolean }>>;

/** Warnings kept by (revision, path[, cluster]): a revision's render never changes. */
const WARNINGS_MEMO = 2_000;

@Injectable()
export class PathRenderer {
  private readonly warnings = new Map<string, Promise<string[]>>();

  constructor(private readonly hydration: HydrationService) {}

  /**
   * The render warnings of a cluster's path at a revision (none when it fails to render: that is an
   * error, reported elsewhere). Memoized; a failed read is not kept.
   */
  warningsAt(args: {
    cluster: PreviewCluster;
    path: string;
    revision: string;
    tree: () => Promise<RepoTree>;
  }): Promise<string[]> {
    const key = `${args.revision}\u0000${args.path}\u0000${args.cluster.name}`;
    let pending = this.warnings.get(key);
    if (!pending) {
      pending = this.renderOnce(args).then(({ rendered }) => ('error' in rendered ? [] : rendered.warnings));
      pending.catch(() => this.warnings.delete(key));
      this.warnings.set(key, pending);
      if (this.warnings.size > WARNINGS_MEMO) this.warnings.delete(this.warnings.keys().next().value as string);
    }
    return pending;
  }

  async render(args: {
    cluster: PreviewCluster;
    path: string;
    revision: string;
    tree: () => Promise<RepoTree>;
    session?: RenderSession;
  }): Promise<Rendered> {
    const { path, revision, session } = args;
    const key = `${revision}\u0000${path}`;
    const shared = session?.get(key);
    if (shared) {
      const first = await shared;
      if (!first.perCluster) return first.rendered;
      return (await this.renderOnce(args)).rendered;
    }
    const pending = this.renderOnce(args);
    session?.set(key, pending);
    return (await pending).rendered;
  }

  private async renderOnce(args: {
    cluster: PreviewCluster;
    path: string;
    revision: string;
    tree: () => Promise<RepoTree>;
  }): Promise<{ rendered: Rendered; perCluster: boolean }> {
    const usage = { cluster: false };
    const helm = this.hydration.inflaterFor(args.cluster, usage);
    try {
      const result = await render(await args.tree(), args.path, helm ? { helm } : {});
      return { rendered: { objects: result.objects, warnings: result.warnings }, perCluster: usage.cluster };
    } catch (error) {
      if (error instanceof RenderError)
        return {
          rendered: { error: { code: error.code, file: error.file, reason: error.reason, revision: args.revision } },
          perCluster: usage.cluster,
        };
      throw error;
    }
  }
}

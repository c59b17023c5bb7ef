/**
 * clusterDiff: renders a cluster's path at the revision it runs and at another revision (libs/gitops
 * render over the fleet repo's object store) and compares the two renders object by object.
 */
import { Injectable } from '@nestjs/common';
import { render, RenderError, type HelmChartInflater, type KubeObject, type RepoTree } from '@flotilla/gitops';
import { DataSource } from 'typeorm';
import type { Cluster } from '../clusters/cluster.entity.js';
import { ClustersService } from '../clusters/clusters.service.js';
import { DesiredStateService } from '../fleet-repo/desired-state.service.js';
import { HydrationService } from '../hydration/hydration.service.js';
import { DiffsException, DiffsExceptionCode } from './diffs.exception.js';
import type { ClusterDiffModel, DiffRenderErrorModel } from './models/cluster-diff.model.js';
import { diffObjects } from './object-diff.js';
import { RevisionResolver } from './revision-resolver.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Rendered = { objects: KubeObject[] } | { error: DiffRenderErrorModel };

@Injectable()
export class DiffsService {
  constructor(
    private readonly db: DataSource,
    private readonly clusters: ClustersService,
    private readonly desired: DesiredStateService,
    private readonly revisions: RevisionResolver,
    private readonly hydration: HydrationService,
  ) {}

  async clusterDiff(clusterRef: string, revision: string): Promise<ClusterDiffModel> {
    const cluster = await this.find(clusterRef);
    const path = this.desired.pathOf(cluster);
    const toRevision = await this.revisions.resolve(revision);
    const toTree = await this.revisions.treeAt(toRevision, revision);
    const fromRevision = (await this.appliedRevision(cluster.id)) ?? cluster.desiredRevision;
    // With hydration on, Helm charts render here as on the hub, with this cluster's values.
    const helm = this.hydration.inflaterFor(cluster);
    const [to, from] = await Promise.all([
      this.render(Promise.resolve(toTree), path, toRevision, helm),
      fromRevision ? this.render(this.revisions.treeAt(fromRevision), path, fromRevision, helm) : { objects: [] },
    ]);
    const base = { cluster: cluster.name, path, fromRevision, toRevision };
    if ('error' in to) return { ...base, renderError: to.error, objects: [] };
    if ('error' in from) return { ...base, renderError: from.error, objects: [] };
    return { ...base, renderError: null, objects: diffObjects(from.objects, to.objects) };
  }

  private async find(ref: string): Promise<Cluster> {
    const cluster =
      (UUID.test(ref) ? await this.clusters.get({ id: ref }) : null) ?? (await this.clusters.get({ name: ref }));
    if (!cluster) throw new DiffsException(`cluster ${ref} does not exist`, DiffsExceptionCode.NotFound, 'cluster');
    return cluster;
  }

  /** The revision the cluster's agent last reported as applied. */
  private async appliedRevision(clusterId: string): Promise<string | null> {
    const rows = (await this.db.query(
      `SELECT applied_revision FROM sync_results WHERE cluster_id = $1 AND applied_revision IS NOT NULL ORDER BY seq DESC LIMIT 1`,
      [clusterId],
    )) as { applied_revision: string }[];
    return rows[0]?.applied_revision ?? null;
  }

  private async render(
    tree: Promise<RepoTree>,
    path: string,
    revision: string,
    helm: HelmChartInflater | undefined,
  ): Promise<Rendered> {
    try {
      return { objects: (await render(await tree, path, helm ? { helm } : {})).objects };
    } catch (error) {
      if (error instanceof RenderError)
        return { error: { code: error.code, file: error.file, reason: error.reason, revision } };
      throw error;
    }
  }
}

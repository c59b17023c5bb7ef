/**
 * clusterDiff: renders a cluster's path at the revision it runs and at another revision (libs/gitops
 * render over the fleet repo's object store, Helm charts as hydration renders them) and compares the
 * two renders object by object. fleetDiff does it for every participating cluster: the blast radius
 * of a revision (a pull request's head too), rendering each (revision, path) once where it can.
 */
import { Injectable } from '@nestjs/common';
import type { RepoTree } from '@flotilla/gitops';
import { DataSource } from 'typeorm';
import { type Cluster, PARTICIPATING } from '../clusters/cluster.entity.js';
import { ClustersService } from '../clusters/clusters.service.js';
import { DesiredStateService } from '../fleet-repo/desired-state.service.js';
import { DiffsException, DiffsExceptionCode } from './diffs.exception.js';
import type { ClusterDiffModel } from './models/cluster-diff.model.js';
import type { FleetDiffModel } from './models/fleet-diff.model.js';
import { diffObjects } from './object-diff.js';
import { PathRenderer, type PreviewCluster, type RenderSession } from './path-renderer.js';
import { RevisionResolver } from './revision-resolver.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Clusters diffed at once in a fleet diff (renders are CPU work; Helm runs have their own limit). */
const FLEET_CONCURRENCY = 4;

type DiffCluster = PreviewCluster & Pick<Cluster, 'id' | 'syncPath' | 'desiredRevision'>;

@Injectable()
export class DiffsService {
  constructor(
    private readonly db: DataSource,
    private readonly clusters: ClustersService,
    private readonly desired: DesiredStateService,
    private readonly revisions: RevisionResolver,
    private readonly renderer: PathRenderer,
  ) {}

  async clusterDiff(clusterRef: string, revision: string): Promise<ClusterDiffModel> {
    const cluster = await this.find(clusterRef);
    const toRevision = await this.revisions.resolve(revision);
    const toTree = await this.revisions.treeAt(toRevision, revision);
    const applied = await this.appliedRevisions([cluster.id]);
    return this.diff(cluster, { toRevision, toTree, fromRevision: applied.get(cluster.id) ?? cluster.desiredRevision });
  }

  /** Every participating cluster's diff to `revision`; `entries` lists those that change or fail to render. */
  async fleetDiff(revision: string): Promise<FleetDiffModel> {
    const toRevision = await this.revisions.resolve(revision);
    const toTree = await this.revisions.treeAt(toRevision, revision);
    const rows = (await this.db.query(
      `SELECT id, name, sync_path, desired_revision, region, provider, kube_version, tags FROM clusters WHERE ${PARTICIPATING} ORDER BY name`,
    )) as Array<{
      id: string;
      name: string;
      sync_path: string | null;
      desired_revision: string | null;
      region: string;
      provider: string;
      kube_version: string;
      tags: string[];
    }>;
    const applied = await this.appliedRevisions(rows.map((r) => r.id));
    const session: RenderSession = new Map();
    const diffs = new Array<ClusterDiffModel>(rows.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < rows.length) {
        const i = next++;
        const r = rows[i]!;
        const cluster: DiffCluster = {
          id: r.id,
          name: r.name,
          syncPath: r.sync_path,
          desiredRevision: r.desired_revision,
          region: r.region,
          provider: r.provider,
          kubeVersion: r.kube_version,
          tags: r.tags,
        };
        diffs[i] = await this.diff(cluster, {
          toRevision,
          toTree,
          fromRevision: applied.get(r.id) ?? r.desired_revision,
          session,
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(FLEET_CONCURRENCY, rows.length) }, worker));
    const entries = diffs
      .filter((d) => d.renderError !== null || d.objects.length > 0)
      .map((d) => ({
        ...d,
        added: d.objects.filter((o) => o.change === 'ADDED').length,
        changed: d.objects.filter((o) => o.change === 'CHANGED').length,
        removed: d.objects.filter((o) => o.change === 'REMOVED').length,
      }));
    return {
      toRevision,
      clusters: rows.length,
      unchanged: rows.length - entries.length,
      failed: entries.filter((e) => e.renderError !== null).length,
      entries,
    };
  }

  private async diff(
    cluster: DiffCluster,
    at: { toRevision: string; toTree: RepoTree; fromRevision: string | null; session?: RenderSession },
  ): Promise<ClusterDiffModel> {
    const path = this.desired.pathOf(cluster);
    const { toRevision, fromRevision, session } = at;
    const [to, from] = await Promise.all([
      this.renderer.render({ cluster, path, revision: toRevision, tree: async () => at.toTree, session }),
      fromRevision
        ? this.renderer.render({
            cluster,
            path,
            revision: fromRevision,
            tree: () => this.revisions.treeAt(fromRevision),
            session,
          })
        : { objects: [], warnings: [] },
    ]);
    const base = { cluster: cluster.name, path, fromRevision, toRevision };
    if ('error' in to) return { ...base, renderError: to.error, warnings: [], objects: [] };
    if ('error' in from) return { ...base, renderError: from.error, warnings: to.warnings, objects: [] };
    return { ...base, renderError: null, warnings: to.warnings, objects: diffObjects(from.objects, to.objects) };
  }

  private async find(ref: string): Promise<Cluster> {
    const cluster =
      (UUID.test(ref) ? await this.clusters.get({ id: ref }) : null) ?? (await this.clusters.get({ name: ref }));
    if (!cluster) throw new DiffsException(`cluster ${ref} does not exist`, DiffsExceptionCode.NotFound, 'cluster');
    return cluster;
  }

  /** The revision each cluster's agent last reported as applied. */
  private async appliedRevisions(clusterIds: readonly string[]): Promise<Map<string, string>> {
    if (clusterIds.length === 0) return new Map();
    const rows = (await this.db.query(
      `SELECT DISTINCT ON (cluster_id) cluster_id, applied_revision FROM sync_results
       WHERE cluster_id = ANY($1::uuid[]) AND applied_revision IS NOT NULL ORDER BY cluster_id, seq DESC`,
      [clusterIds],
    )) as { cluster_id: string; applied_revision: string }[];
    return new Map(rows.map((r) => [r.cluster_id, r.applied_revision]));
  }
}

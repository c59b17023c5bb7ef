import { Inject, UseFilters } from '@nestjs/common';
import { Args, Context, ID, Int, Parent, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { z } from 'zod';
import { parseInput } from '../../common/graphql-error.util.js';
import { BatchLoader, loaderOn } from '../../common/batch-loader.js';
import { mapIterator } from '../../common/pub-sub.js';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { ClustersService } from '../clusters/clusters.service.js';
import { ClusterModel } from '../clusters/models/cluster.model.js';
import { toClusterModel } from '../clusters/to-cluster-model.js';
import { SubscriptionBus } from '../fleet-events/subscription-bus.js';
import { DesiredStateService } from '../fleet-repo/desired-state.service.js';
import { redactUrl } from '@flotilla/gitops';
import { ClusterObjectConnection } from './models/cluster-object.model.js';
import { ClusterSyncModel } from './models/cluster-sync.model.js';
import { SyncResultConnection, type SyncResultModel } from './models/sync-result.model.js';
import { syncStateOf } from './sync-state.js';
import { SyncsExceptionFilter } from './syncs.exception.filter.js';
import { SyncsException, SyncsExceptionCode } from './syncs.exception.js';
import { SyncsService, type DesiredRow } from './syncs.service.js';

const First = z.number().int().min(1).max(500);
const invalid = (message: string, field: string) => new SyncsException(message, SyncsExceptionCode.InvalidInput, field);

/** `Cluster.sync`, `Cluster.objects`, `Cluster.syncHistory` and the `clusterStatusChanged` subscription. */
@Resolver(() => ClusterModel)
@UseFilters(SyncsExceptionFilter)
export class SyncsResolver {
  constructor(
    private readonly syncs: SyncsService,
    private readonly clusters: ClustersService,
    private readonly desired: DesiredStateService,
    private readonly events: SubscriptionBus,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  @ResolveField(() => ClusterSyncModel, { description: 'Desired state, sync state, health and the latest reconcile' })
  async sync(@Parent() cluster: ClusterModel, @Context() ctx: { req: object }): Promise<ClusterSyncModel> {
    // Batched per request: a page of clusters costs two queries, not two per cluster.
    const desired = loaderOn(
      ctx.req,
      'syncs.desired',
      () => new BatchLoader((ids: string[]) => this.syncs.desiredMany(ids), null as DesiredRow | null),
    );
    const latestSync = loaderOn(
      ctx.req,
      'syncs.latest',
      () => new BatchLoader((ids: string[]) => this.syncs.latestMany(ids), null as SyncResultModel | null),
    );
    const [row, latest] = await Promise.all([desired.load(cluster.id), latestSync.load(cluster.id)]);
    const desiredRevision = row?.desiredRevision ?? null;
    return {
      repoUrl: this.config.FLEET_REPO_URL ? redactUrl(this.config.FLEET_REPO_URL) : null,
      branch: this.config.FLEET_BRANCH,
      path: this.desired.pathOf({ name: cluster.name, syncPath: row?.syncPath ?? null }),
      prune: row?.prune ?? true,
      selfHeal: row?.selfHeal ?? true,
      revision: desiredRevision,
      appliedRevision: latest?.appliedRevision ?? null,
      ...syncStateOf(desiredRevision, latest),
      lastResult: latest,
    };
  }

  @ResolveField(() => ClusterObjectConnection, {
    description: 'Objects the agent manages, by namespace, kind and name',
  })
  async objects(
    @Parent() cluster: ClusterModel,
    @Args('first', { type: () => Int, defaultValue: 100 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<ClusterObjectConnection> {
    const page = await this.syncs.objects(cluster.id, parseInput(First, first, 'first', invalid), after);
    return {
      edges: page.items,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.items.at(-1)?.cursor ?? null },
    };
  }

  @ResolveField(() => SyncResultConnection, { description: 'Reconciles reported, newest first' })
  async syncHistory(
    @Parent() cluster: ClusterModel,
    @Args('first', { type: () => Int, defaultValue: 20 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<SyncResultConnection> {
    const page = await this.syncs.history(cluster.id, parseInput(First, first, 'first', invalid), after);
    return {
      edges: page.items,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.items.at(-1)?.cursor ?? null },
    };
  }

  @Subscription(() => ClusterModel, {
    description: "A cluster's sync status or connection changed (all clusters, or one)",
    resolve: (value: ClusterModel) => value,
  })
  clusterStatusChanged(
    @Args('clusterId', { type: () => ID, nullable: true }) clusterId?: string | null,
  ): AsyncIterableIterator<ClusterModel> {
    const id = clusterId ? parseInput(z.string().uuid(), clusterId, 'clusterId', invalid) : undefined;
    const source = this.events.iterate('clusterStatusChanged', (e) => !id || e.clusterId === id);
    return mapIterator(source, async (e) => {
      const c = await this.clusters.get({ id: e.clusterId });
      return c ? toClusterModel(c, this.config.HEARTBEAT_INTERVAL_SECONDS) : undefined;
    });
  }
}

import { Inject, UseFilters } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ClusterName } from '@flotilla/protocol';
import { z } from 'zod';
import { parseInput } from '../../common/graphql-error.util.js';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { CurrentActor, RequireRole } from '../auth/roles.decorator.js';
import { Role, type Actor } from '../auth/role.js';
import type { Cluster } from './cluster.entity.js';
import { ClustersExceptionFilter } from './clusters.exception.filter.js';
import { ClustersException, ClustersExceptionCode } from './clusters.exception.js';
import { ClustersService } from './clusters.service.js';
import { ClustersFilterInput, ClustersFilterSchema } from './dto/clusters-filter.input.js';
import { UpdateClusterTagsInput, UpdateClusterTagsSchema } from './dto/update-cluster-tags.input.js';
import { ClusterConnection, ClusterModel } from './models/cluster.model.js';
import { toClusterModel } from './to-cluster-model.js';
import { FleetSummary } from './models/fleet-summary.model.js';

const invalid = (message: string, field: string) =>
  new ClustersException(message, ClustersExceptionCode.InvalidInput, field);
/** The `id` argument of the per-cluster mutations, checked to be a UUID. */
const clusterIdArg = (id: string) => parseInput(z.string().uuid(), id, 'id', invalid);
const First = z.number().int().min(1).max(500);
const ClusterKey = z
  .object({ id: z.string().uuid().nullish(), name: ClusterName.nullish() })
  .refine((k) => Boolean(k.id) !== Boolean(k.name), { message: 'give exactly one of id or name', path: ['id'] });

@Resolver(() => ClusterModel)
@UseFilters(ClustersExceptionFilter)
export class ClustersResolver {
  constructor(
    private readonly service: ClustersService,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  @Query(() => ClusterConnection, { description: 'Clusters sorted by name, a page at a time' })
  async clusters(
    @Args('filter', { type: () => ClustersFilterInput, nullable: true }) filter?: ClustersFilterInput | null,
    @Args('first', { type: () => Int, defaultValue: 50 }) first = 50,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<ClusterConnection> {
    const f = parseInput(ClustersFilterSchema, filter, 'filter', invalid) ?? {};
    const page = await this.service.page(f, parseInput(First, first, 'first', invalid), after);
    const edges = page.clusters.map((c) => ({ cursor: this.service.cursorOf(c), node: this.toModel(c) }));
    return {
      edges,
      totalCount: page.totalCount,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  @Query(() => ClusterModel, { nullable: true, description: 'One cluster by id or by name' })
  async cluster(
    @Args('id', { type: () => ID, nullable: true }) id?: string | null,
    @Args('name', { type: () => String, nullable: true }) name?: string | null,
  ): Promise<ClusterModel | null> {
    const key = parseInput(ClusterKey, { id, name }, 'cluster', invalid);
    const found = await this.service.get(key);
    return found ? this.toModel(found) : null;
  }

  @Query(() => FleetSummary, { description: 'Cluster counts by connection state, overall and per tag' })
  fleetSummary(): Promise<FleetSummary> {
    return this.service.summary();
  }

  @Mutation(() => ClusterModel, { description: "Replace a cluster's tags" })
  @RequireRole(Role.Operator)
  async updateClusterTags(
    @CurrentActor() actor: Actor,
    @Args('input') input: UpdateClusterTagsInput,
  ): Promise<ClusterModel> {
    const { id, tags } = parseInput(UpdateClusterTagsSchema, input, 'input', invalid);
    return this.toModel(await this.service.updateTags(actor, id, tags));
  }

  @Mutation(() => ClusterModel, { description: 'Remove a cluster from the fleet; its agent is no longer accepted' })
  @RequireRole(Role.Admin)
  async deregisterCluster(
    @CurrentActor() actor: Actor,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<ClusterModel> {
    return this.toModel(await this.service.deregister(actor, clusterIdArg(id)));
  }

  @Mutation(() => ClusterModel, {
    description: 'Let a cluster that is AWAITING_APPROVAL take part: it gets desired state from now on',
  })
  @RequireRole(Role.Admin)
  async approveCluster(
    @CurrentActor() actor: Actor,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<ClusterModel> {
    return this.toModel(await this.service.approve(actor, clusterIdArg(id)));
  }

  @Mutation(() => ClusterModel, {
    description:
      "Cut a cluster off: its agent's NATS credentials are revoked (connection dropped within seconds) and renewals refused until resumeCluster",
  })
  @RequireRole(Role.Admin)
  async suspendCluster(
    @CurrentActor() actor: Actor,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<ClusterModel> {
    return this.toModel(await this.service.suspend(actor, clusterIdArg(id)));
  }

  @Mutation(() => ClusterModel, {
    description:
      'Undo suspendCluster: the agent may renew its credential again (credentials issued before the suspension stay revoked)',
  })
  @RequireRole(Role.Admin)
  async resumeCluster(@CurrentActor() actor: Actor, @Args('id', { type: () => ID }) id: string): Promise<ClusterModel> {
    return this.toModel(await this.service.resume(actor, clusterIdArg(id)));
  }

  private toModel(c: Cluster): ClusterModel {
    return toClusterModel(c, this.config.HEARTBEAT_INTERVAL_SECONDS);
  }
}

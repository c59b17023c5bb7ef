import { Inject, UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { z } from 'zod';
import { parseInput } from '../../common/graphql-error.util.js';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { CurrentActor, RequireRole } from '../auth/roles.decorator.js';
import { Role, type Actor } from '../auth/role.js';
import { ClusterModel } from '../clusters/models/cluster.model.js';
import { toClusterModel } from '../clusters/to-cluster-model.js';
import { ClusterSyncSettingsService } from './cluster-sync-settings.service.js';
import { UpdateClusterSyncInput, UpdateClusterSyncSchema } from './dto/update-cluster-sync.input.js';
import { FleetRepoExceptionFilter } from './fleet-repo.exception.filter.js';
import { FleetRepoException, FleetRepoExceptionCode } from './fleet-repo.exception.js';
import { FleetRepoService } from './fleet-repo.service.js';
import { FleetRepoModel } from './models/fleet-repo.model.js';

const invalid = (message: string, field: string) =>
  new FleetRepoException(message, FleetRepoExceptionCode.InvalidInput, field);

@Resolver()
@UseFilters(FleetRepoExceptionFilter)
export class FleetRepoResolver {
  constructor(
    private readonly repo: FleetRepoService,
    private readonly settings: ClusterSyncSettingsService,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  @Query(() => FleetRepoModel, { description: 'The fleet repository and the result of its last poll' })
  fleetRepo(): FleetRepoModel {
    return this.repo.status();
  }

  @Mutation(() => ClusterModel, {
    description: "Change a cluster's path, prune or self-heal setting; its agent gets the new desired state",
  })
  @RequireRole(Role.Operator)
  async updateClusterSync(
    @CurrentActor() actor: Actor,
    @Args('input') input: UpdateClusterSyncInput,
  ): Promise<ClusterModel> {
    const parsed = parseInput(UpdateClusterSyncSchema, input, 'input', invalid);
    return toClusterModel(await this.settings.update(actor, parsed), this.config.HEARTBEAT_INTERVAL_SECONDS);
  }

  @Mutation(() => ClusterModel, {
    description: 'Sync now: republish the desired state so the agent reconciles at once',
  })
  @RequireRole(Role.Operator)
  async syncCluster(@CurrentActor() actor: Actor, @Args('id', { type: () => ID }) id: string): Promise<ClusterModel> {
    const cluster = await this.settings.syncNow(actor, parseInput(z.string().uuid(), id, 'id', invalid));
    return toClusterModel(cluster, this.config.HEARTBEAT_INTERVAL_SECONDS);
  }
}

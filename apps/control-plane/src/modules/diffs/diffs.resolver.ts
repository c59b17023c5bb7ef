import { UseFilters } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { z } from 'zod';
import { parseInput } from '../../common/graphql-error.util.js';
import { DiffsExceptionFilter } from './diffs.exception.filter.js';
import { DiffsException, DiffsExceptionCode } from './diffs.exception.js';
import { ClusterDiffModel } from './models/cluster-diff.model.js';
import { FleetDiffModel } from './models/fleet-diff.model.js';
import { DiffsService } from './diffs.service.js';

const invalid = (message: string, field: string) => new DiffsException(message, DiffsExceptionCode.InvalidInput, field);
const Ref = z.string().trim().min(1).max(253);

@Resolver()
@UseFilters(DiffsExceptionFilter)
export class DiffsResolver {
  constructor(private readonly diffs: DiffsService) {}

  @Query(() => ClusterDiffModel, {
    description:
      'What a revision (SHA, short SHA or branch) would change on a cluster, against the revision it runs (viewer)',
  })
  async clusterDiff(
    @Args('cluster', { description: 'Cluster name or id' }) cluster: string,
    @Args('revision', { description: 'Commit SHA, short SHA or branch of the fleet repository' }) revision: string,
  ): Promise<ClusterDiffModel> {
    return this.diffs.clusterDiff(
      parseInput(Ref, cluster, 'cluster', invalid),
      parseInput(Ref, revision, 'revision', invalid),
    );
  }

  @Query(() => FleetDiffModel, {
    description:
      'The blast radius of a revision (SHA, short SHA, or a branch — one not merged yet is fetched): which clusters it changes and how, each against the revision it runs (viewer)',
  })
  async fleetDiff(
    @Args('revision', { description: 'Commit SHA, short SHA or branch of the fleet repository' }) revision: string,
  ): Promise<FleetDiffModel> {
    return this.diffs.fleetDiff(parseInput(Ref, revision, 'revision', invalid));
  }
}

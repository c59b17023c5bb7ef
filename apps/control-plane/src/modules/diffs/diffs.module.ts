/** diffs: `clusterDiff` and `fleetDiff` — what a fleet repository revision would change on one cluster, or on each, object by object. */
import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module.js';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module.js';
import { RolloutsModule } from '../rollouts/rollouts.module.js';
import { ClusterWarningsResolver } from './cluster-warnings.resolver.js';
import { DiffsResolver } from './diffs.resolver.js';
import { DiffsService } from './diffs.service.js';
import { PathRenderer } from './path-renderer.js';
import { RevisionResolver } from './revision-resolver.js';

@Module({
  imports: [ClustersModule, FleetRepoModule, RolloutsModule],
  providers: [RevisionResolver, PathRenderer, DiffsService, DiffsResolver, ClusterWarningsResolver],
})
export class DiffsModule {}

/** diffs: `clusterDiff` — what a fleet repository revision would change on one cluster, object by object. */
import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module.js';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module.js';
import { RolloutsModule } from '../rollouts/rollouts.module.js';
import { DiffsResolver } from './diffs.resolver.js';
import { DiffsService } from './diffs.service.js';
import { RevisionResolver } from './revision-resolver.js';

@Module({
  imports: [ClustersModule, FleetRepoModule, RolloutsModule],
  providers: [RevisionResolver, DiffsService, DiffsResolver],
})
export class DiffsModule {}

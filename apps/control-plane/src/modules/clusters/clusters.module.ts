/** Registered clusters: listing, lookup, tags, deregistration and the fleet summary. */
import { Module } from '@nestjs/common';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module.js';
import { ClustersResolver } from './clusters.resolver.js';
import { ClustersService } from './clusters.service.js';
import { OfflineWatcher } from './offline-watcher.service.js';

@Module({
  imports: [FleetRepoModule],
  providers: [ClustersService, ClustersResolver, OfflineWatcher],
  exports: [ClustersService],
})
export class ClustersModule {}

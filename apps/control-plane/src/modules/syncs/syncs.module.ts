/** Reported sync state: the latest and past reconciles per cluster, managed objects, and status subscriptions. */
import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module.js';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module.js';
import { SyncsResolver } from './syncs.resolver.js';
import { SyncsService } from './syncs.service.js';

@Module({
  imports: [ClustersModule, FleetRepoModule],
  providers: [SyncsService, SyncsResolver],
  exports: [SyncsService],
})
export class SyncsModule {}

/** The fleet repository: polls its branch head, assigns desired revisions and publishes desired state to agents. */
import { Module } from '@nestjs/common';
import { ClusterSyncSettingsService } from './cluster-sync-settings.service.js';
import { DesiredStateResync } from './desired-state-resync.service.js';
import { DesiredStateService } from './desired-state.service.js';
import { FleetRepoResolver } from './fleet-repo.resolver.js';
import { FleetRepoService } from './fleet-repo.service.js';
import { RenderedRevisions } from './rendered-revisions.js';

@Module({
  providers: [
    DesiredStateService,
    DesiredStateResync,
    FleetRepoService,
    ClusterSyncSettingsService,
    FleetRepoResolver,
    RenderedRevisions,
  ],
  exports: [DesiredStateService, FleetRepoService, RenderedRevisions],
})
export class FleetRepoModule {}

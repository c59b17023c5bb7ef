/** rollouts: commits → rollouts in waves by tag (fleet.yaml), the engine that drives them, rollback as a revert commit, GraphQL. */
import { Module } from '@nestjs/common';
import { SubscriptionBus } from '../fleet-events/subscription-bus.js';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module.js';
import { HydrationService } from '../hydration/hydration.service.js';
import { CommitPolicy } from './git/commit-policy.service.js';
import { FleetSource } from './git/fleet-source.js';
import { RolloutCommands } from './rollout-commands.service.js';
import { RolloutEngine } from './rollout-engine.service.js';
import { RolloutEvents } from './rollout-events.js';
import { RolloutPlanner } from './rollout-planner.service.js';
import { RolloutReverter } from './rollout-reverter.service.js';
import { RolloutsResolver } from './rollouts.resolver.js';
import { RolloutsService } from './rollouts.service.js';

@Module({
  imports: [FleetRepoModule],
  providers: [
    {
      provide: RolloutEvents,
      // Every state change also reaches the rolloutProgress subscribers of every replica.
      inject: [SubscriptionBus],
      useFactory: (bus: SubscriptionBus) => {
        const events = new RolloutEvents();
        events.on('rolloutProgress', (e) => bus.send('rolloutProgress', { rolloutId: e.rolloutId }));
        return events;
      },
    },
    FleetSource,
    HydrationService,
    CommitPolicy,
    RolloutEngine,
    RolloutReverter,
    RolloutPlanner,
    RolloutCommands,
    RolloutsService,
    RolloutsResolver,
  ],
  exports: [RolloutEngine, RolloutsService, RolloutPlanner, FleetSource, HydrationService],
})
export class RolloutsModule {}

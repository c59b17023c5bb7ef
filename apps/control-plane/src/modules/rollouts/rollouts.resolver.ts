import { UseFilters } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { z } from 'zod';
import { mapIterator } from '../../common/pub-sub.js';
import { parseInput } from '../../common/graphql-error.util.js';
import { CurrentActor, RequireRole } from '../auth/roles.decorator.js';
import { Role, type Actor } from '../auth/role.js';
import {
  RolloutsFilterInput,
  RolloutsFilterSchema,
  StartRolloutInput,
  StartRolloutSchema,
} from './dto/start-rollout.input.js';
import { RolloutConnection, RolloutModel } from './models/rollout.model.js';
import { RolloutCommands, type RolloutCommand } from './rollout-commands.service.js';
import { SubscriptionBus } from '../fleet-events/subscription-bus.js';
import { RolloutsExceptionFilter } from './rollouts.exception.filter.js';
import { RolloutsException, RolloutsExceptionCode } from './rollouts.exception.js';
import { RolloutsService } from './rollouts.service.js';

const invalid = (message: string, field: string) =>
  new RolloutsException(message, RolloutsExceptionCode.InvalidInput, field);
const Id = z.string().uuid();
const First = z.number().int().min(1).max(100);

@Resolver(() => RolloutModel)
@UseFilters(RolloutsExceptionFilter)
export class RolloutsResolver {
  constructor(
    private readonly service: RolloutsService,
    private readonly commands: RolloutCommands,
    private readonly events: SubscriptionBus,
  ) {}

  @Query(() => RolloutConnection, { description: 'Rollouts, newest first' })
  async rollouts(
    @Args('filter', { type: () => RolloutsFilterInput, nullable: true }) filter?: RolloutsFilterInput | null,
    @Args('first', { type: () => Int, defaultValue: 20 }) first = 20,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<RolloutConnection> {
    return this.service.page(
      parseInput(RolloutsFilterSchema, filter ?? {}, 'filter', invalid),
      parseInput(First, first, 'first', invalid),
      after,
    );
  }

  @Query(() => RolloutModel, { description: 'One rollout with per-wave and per-cluster state' })
  async rollout(@Args('id', { type: () => ID }) id: string): Promise<RolloutModel> {
    return this.service.get(parseInput(Id, id, 'id', invalid));
  }

  @Mutation(() => RolloutModel, {
    description: 'Roll a revision out to the clusters matching a tag selector, in waves',
  })
  @RequireRole(Role.Operator)
  async startRollout(@CurrentActor() actor: Actor, @Args('input') input: StartRolloutInput): Promise<RolloutModel> {
    const parsed = parseInput(StartRolloutSchema, input, 'input', invalid);
    const id = await this.commands.start(actor, {
      revision: parsed.revision,
      selector: parsed.selector,
      ...(parsed.waves ? { waves: parsed.waves } : {}),
      ...(parsed.onFailure ? { onFailure: parsed.onFailure } : {}),
    });
    return this.service.get(id);
  }

  private async command(actor: Actor, id: string, command: RolloutCommand): Promise<RolloutModel> {
    const rid = parseInput(Id, id, 'id', invalid);
    await this.commands.run(actor, rid, command);
    return this.service.get(rid);
  }

  @Mutation(() => RolloutModel)
  @RequireRole(Role.Operator)
  pauseRollout(@CurrentActor() actor: Actor, @Args('id', { type: () => ID }) id: string): Promise<RolloutModel> {
    return this.command(actor, id, 'pause');
  }

  @Mutation(() => RolloutModel)
  @RequireRole(Role.Operator)
  resumeRollout(@CurrentActor() actor: Actor, @Args('id', { type: () => ID }) id: string): Promise<RolloutModel> {
    return this.command(actor, id, 'resume');
  }

  @Mutation(() => RolloutModel, {
    description: 'Stop where it is: pinned clusters stay on its revision, pending ones never get it',
  })
  @RequireRole(Role.Operator)
  abortRollout(@CurrentActor() actor: Actor, @Args('id', { type: () => ID }) id: string): Promise<RolloutModel> {
    return this.command(actor, id, 'abort');
  }

  @Mutation(() => RolloutModel, {
    description: 'Revert the rollout in Git (a commit) and roll the revert out to the clusters that received it',
  })
  @RequireRole(Role.Operator)
  rollbackRollout(@CurrentActor() actor: Actor, @Args('id', { type: () => ID }) id: string): Promise<RolloutModel> {
    return this.command(actor, id, 'rollback');
  }

  @Subscription(() => RolloutModel, {
    description: 'A rollout each time its state changes (all rollouts, or one)',
    resolve: (value: RolloutModel) => value,
  })
  rolloutProgress(
    @Args('id', { type: () => ID, nullable: true }) id?: string | null,
  ): AsyncIterableIterator<RolloutModel> {
    const rid = id ? parseInput(Id, id, 'id', invalid) : undefined;
    return mapIterator(
      this.events.iterate('rolloutProgress', (e) => !rid || e.rolloutId === rid),
      (e) => this.service.get(e.rolloutId),
    );
  }
}

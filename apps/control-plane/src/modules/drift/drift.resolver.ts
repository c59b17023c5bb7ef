import { UseFilters } from '@nestjs/common';
import { Args, ID, Int, Query, Resolver, Subscription } from '@nestjs/graphql';
import { z } from 'zod';
import { parseInput } from '../../common/graphql-error.util.js';
import { mapIterator } from '../../common/pub-sub.js';
import { SubscriptionBus } from '../fleet-events/subscription-bus.js';
import { DriftEventsFilterInput, DriftEventsFilterSchema } from './dto/drift-events-filter.input.js';
import { DriftExceptionFilter } from './drift.exception.filter.js';
import { DriftException, DriftExceptionCode } from './drift.exception.js';
import { DriftService } from './drift.service.js';
import { DriftEventConnection, DriftEventModel } from './models/drift-event.model.js';

const First = z.number().int().min(1).max(500);
const invalid = (message: string, field: string) => new DriftException(message, DriftExceptionCode.InvalidInput, field);

@Resolver(() => DriftEventModel)
@UseFilters(DriftExceptionFilter)
export class DriftResolver {
  constructor(
    private readonly drift: DriftService,
    private readonly events: SubscriptionBus,
  ) {}

  @Query(() => DriftEventConnection, { description: 'Drift detected by agents, newest first' })
  async driftEvents(
    @Args('filter', { type: () => DriftEventsFilterInput, nullable: true }) filter?: DriftEventsFilterInput | null,
    @Args('first', { type: () => Int, defaultValue: 50 }) first = 50,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<DriftEventConnection> {
    const f = parseInput(DriftEventsFilterSchema, filter ?? {}, 'filter', invalid);
    const page = await this.drift.page(f, parseInput(First, first, 'first', invalid), after);
    return {
      edges: page.items,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.items.at(-1)?.cursor ?? null },
    };
  }

  @Subscription(() => DriftEventModel, {
    description: 'Drift as it is reported (all clusters, or one)',
    resolve: (value: DriftEventModel) => value,
  })
  driftDetected(
    @Args('clusterId', { type: () => ID, nullable: true }) clusterId?: string | null,
  ): AsyncIterableIterator<DriftEventModel> {
    const id = clusterId ? parseInput(z.string().uuid(), clusterId, 'clusterId', invalid) : undefined;
    return mapIterator(
      this.events.iterate('driftDetected', (e) => !id || e.clusterId === id),
      (e) => this.drift.get(e.id),
    );
  }
}

import { UseFilters } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { z } from 'zod';
import { parseInput } from '../../common/graphql-error.util.js';
import { CurrentActor, RequireRole } from '../auth/roles.decorator.js';
import { Role, type Actor } from '../auth/role.js';
import {
  CreateNotificationTargetInput,
  CreateNotificationTargetSchema,
} from './dto/create-notification-target.input.js';
import { NotificationDeliveryConnection } from './models/notification-delivery.model.js';
import { NotificationTargetModel } from './models/notification-target.model.js';
import { NotificationTargetsService } from './notification-targets.service.js';
import { NotificationsExceptionFilter } from './notifications.exception.filter.js';
import { NotificationsException, NotificationsExceptionCode } from './notifications.exception.js';

const invalid = (message: string, field: string) =>
  new NotificationsException(message, NotificationsExceptionCode.InvalidInput, field);
const First = z.number().int().min(1).max(500);

@Resolver()
@UseFilters(NotificationsExceptionFilter)
export class NotificationsResolver {
  constructor(private readonly targets: NotificationTargetsService) {}

  @Mutation(() => NotificationTargetModel, {
    description: 'Add an alert target; its URL and secret are encrypted and never shown again',
  })
  @RequireRole(Role.Admin)
  createNotificationTarget(
    @CurrentActor() actor: Actor,
    @Args('input') input: CreateNotificationTargetInput,
  ): Promise<NotificationTargetModel> {
    return this.targets.create(actor, parseInput(CreateNotificationTargetSchema, input, 'input', invalid));
  }

  @Mutation(() => NotificationTargetModel, { description: 'Remove an alert target (its delivery log goes with it)' })
  @RequireRole(Role.Admin)
  deleteNotificationTarget(
    @CurrentActor() actor: Actor,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<NotificationTargetModel> {
    return this.targets.delete(actor, parseInput(z.string().uuid(), id, 'id', invalid));
  }

  @Query(() => [NotificationTargetModel], { description: 'Alert targets, by name' })
  @RequireRole(Role.Admin)
  notificationTargets(): Promise<NotificationTargetModel[]> {
    return this.targets.list();
  }

  @Query(() => NotificationDeliveryConnection, { description: 'Alerts sent or being retried, newest first' })
  @RequireRole(Role.Operator)
  async notificationDeliveries(
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<NotificationDeliveryConnection> {
    const page = await this.targets.deliveries(parseInput(First, first, 'first', invalid), after);
    return {
      edges: page.items,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.items.at(-1)?.cursor ?? null },
    };
  }
}

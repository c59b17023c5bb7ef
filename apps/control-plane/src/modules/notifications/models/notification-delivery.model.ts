import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '../../../common/page-info.model.js';
import type { AlertEventKind } from '../alert-event.js';
import { AlertEventEnum, DeliveryStatusEnum, type DeliveryStatus } from './notification-enums.js';

@ObjectType('NotificationDelivery', { description: 'One alert sent (or being retried) to one target' })
export class NotificationDeliveryModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) targetId!: string;
  @Field() targetName!: string;
  @Field(() => AlertEventEnum) event!: AlertEventKind;
  @Field() summary!: string;
  @Field(() => [String]) clusters!: string[];
  @Field(() => DeliveryStatusEnum) status!: DeliveryStatus;
  @Field(() => Int) attempts!: number;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => Date, { nullable: true, description: 'When the next attempt is due (pending only)' })
  nextAttemptAt!: Date | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) deliveredAt!: Date | null;
}

@ObjectType()
export class NotificationDeliveryEdge {
  @Field() cursor!: string;
  @Field(() => NotificationDeliveryModel) node!: NotificationDeliveryModel;
}

@ObjectType()
export class NotificationDeliveryConnection {
  @Field(() => [NotificationDeliveryEdge]) edges!: NotificationDeliveryEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { AlertEventKind } from '../alert-event.js';
import { AlertEventEnum, TargetKindEnum, type TargetKind } from './notification-enums.js';

@ObjectType('NotificationTarget', {
  description: 'Where alerts go. Its URL and secret are never returned: only the host is shown.',
})
export class NotificationTargetModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => TargetKindEnum) kind!: TargetKind;
  @Field({ description: 'Host of the URL, to tell targets apart' }) host!: string;
  @Field({ description: 'Whether deliveries are signed with a secret' }) signed!: boolean;
  @Field(() => [AlertEventEnum]) events!: AlertEventKind[];
  @Field() createdBy!: string;
  @Field() createdAt!: Date;
}

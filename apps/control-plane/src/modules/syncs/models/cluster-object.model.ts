import { Field, ObjectType } from '@nestjs/graphql';
import type { HealthStatus, ObjectAction } from '@flotilla/protocol';
import { PageInfo } from '../../../common/page-info.model.js';
import { HealthStatusEnum, ObjectActionEnum } from './sync-enums.js';

@ObjectType('ClusterObject', { description: 'An object the agent manages, as of its latest report naming it' })
export class ClusterObjectModel {
  @Field() apiVersion!: string;
  @Field() kind!: string;
  @Field(() => String, { nullable: true }) namespace!: string | null;
  @Field() name!: string;
  @Field(() => ObjectActionEnum) action!: ObjectAction;
  @Field(() => HealthStatusEnum) health!: HealthStatus;
  @Field(() => String, { nullable: true }) message!: string | null;
  @Field({ description: 'Revision of the report that last named it' }) revision!: string;
  @Field() updatedAt!: Date;
}

@ObjectType()
export class ClusterObjectEdge {
  @Field() cursor!: string;
  @Field(() => ClusterObjectModel) node!: ClusterObjectModel;
}

@ObjectType()
export class ClusterObjectConnection {
  @Field(() => [ClusterObjectEdge]) edges!: ClusterObjectEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

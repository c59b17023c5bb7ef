import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { DriftResolution } from '@flotilla/protocol';
import { PageInfo } from '../../../common/page-info.model.js';
import { DriftResolutionEnum } from '../../syncs/models/sync-enums.js';

@ObjectType('ObjectRef')
export class ObjectRefModel {
  @Field() apiVersion!: string;
  @Field() kind!: string;
  @Field(() => String, { nullable: true }) namespace!: string | null;
  @Field() name!: string;
}

@ObjectType('DriftEvent', { description: 'Someone other than the agent changed an object it applied' })
export class DriftEventModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) clusterId!: string;
  @Field() clusterName!: string;
  @Field({ description: 'The revision the cluster was running' }) revision!: string;
  @Field(() => ObjectRefModel) object!: ObjectRefModel;
  @Field(() => [String], { description: 'Changed field paths; for a Secret, data key names only' }) fields!: string[];
  @Field(() => [String], { description: 'Field managers that made the change (e.g. kubectl-patch)' })
  managers!: string[];
  @Field() detectedAt!: Date;
  @Field(() => DriftResolutionEnum) resolution!: DriftResolution;
  @Field(() => Date, { nullable: true }) revertedAt!: Date | null;
  @Field(() => Int, { nullable: true }) revertLatencyMs!: number | null;
  @Field(() => String, { nullable: true }) message!: string | null;
}

@ObjectType()
export class DriftEventEdge {
  @Field() cursor!: string;
  @Field(() => DriftEventModel) node!: DriftEventModel;
}

@ObjectType()
export class DriftEventConnection {
  @Field(() => [DriftEventEdge]) edges!: DriftEventEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { HealthStatus, ReconcileStage, SyncState } from '@flotilla/protocol';
import { PageInfo } from '../../../common/page-info.model.js';
import { HealthStatusEnum, SyncStateEnum } from './sync-enums.js';

@ObjectType('SyncError', {
  description: 'Why a reconcile failed: the stage, a code, the reason and the file it concerns',
})
export class SyncErrorModel {
  @Field(() => String, { description: 'source, render, plan, apply, prune or health' }) stage!: ReconcileStage;
  @Field() code!: string;
  @Field() reason!: string;
  @Field(() => String, { nullable: true }) file!: string | null;
  @Field() retryable!: boolean;
}

@ObjectType('ObjectActionCounts')
export class ObjectActionCountsModel {
  @Field(() => Int) created!: number;
  @Field(() => Int) configured!: number;
  @Field(() => Int) unchanged!: number;
  @Field(() => Int) deleted!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Int) skipped!: number;
}

@ObjectType('SyncResult', { description: 'One reconcile as the agent reported it' })
export class SyncResultModel {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: "The agent's report sequence number" }) seq!: number;
  @Field({ description: 'The revision the reconcile tried to reach' }) revision!: string;
  @Field(() => String, { nullable: true, description: 'The revision the cluster runs after it' }) appliedRevision!:
    string | null;
  @Field(() => SyncStateEnum) state!: SyncState;
  @Field(() => HealthStatusEnum) health!: HealthStatus;
  @Field() startedAt!: Date;
  @Field() finishedAt!: Date;
  @Field(() => Int) durationMs!: number;
  @Field({ description: 'False when Git could not be reached' }) sourceAvailable!: boolean;
  @Field(() => ObjectActionCountsModel) objects!: ObjectActionCountsModel;
  @Field(() => SyncErrorModel, { nullable: true }) error!: SyncErrorModel | null;
}

@ObjectType()
export class SyncResultEdge {
  @Field() cursor!: string;
  @Field(() => SyncResultModel) node!: SyncResultModel;
}

@ObjectType()
export class SyncResultConnection {
  @Field(() => [SyncResultEdge]) edges!: SyncResultEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

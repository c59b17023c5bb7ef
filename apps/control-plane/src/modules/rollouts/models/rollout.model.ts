import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '../../../common/page-info.model.js';

@ObjectType('RolloutPolicyError', { description: 'Why fleet.yaml was refused: file, line and reason' })
export class RolloutPolicyErrorModel {
  @Field() file!: string;
  @Field(() => Int, { nullable: true }) line!: number | null;
  @Field() reason!: string;
}

@ObjectType('RolloutCluster')
export class RolloutClusterModel {
  @Field(() => ID) clusterId!: string;
  @Field(() => String, { nullable: true }) clusterName!: string | null;
  @Field(() => Int, { description: 'Batch (maxParallel) within the wave' }) batch!: number;
  @Field({
    description:
      'PENDING, UPDATING, WAITING (its path does not exist at the revision yet: holds nothing, not failed), SUCCEEDED or FAILED',
  })
  phase!: string;
  @Field({ description: 'True while offline: the cluster holds its wave' }) offline!: boolean;
  @Field(() => Date, { nullable: true, description: 'When it was pinned to the rollout revision' })
  pinnedAt!: Date | null;
  @Field(() => Date, { nullable: true }) succeededAt!: Date | null;
  @Field(() => Date, { nullable: true }) failedAt!: Date | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => String, { nullable: true, description: 'Rollback progress of a cluster that received the revision' })
  rollbackPhase!: string | null;
}

@ObjectType('RolloutWave')
export class RolloutWaveModel {
  @Field() name!: string;
  @Field({ description: 'PENDING, PROGRESSING, SOAKING, PASSED or FAILED' }) phase!: string;
  @Field(() => Int) healthTimeoutSeconds!: number;
  @Field(() => Int) soakSeconds!: number;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, {
    nullable: true,
    description: 'Start of the soak: when all its clusters were last seen Synced + Healthy',
  })
  healthyAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => [RolloutClusterModel]) clusters!: RolloutClusterModel[];
}

@ObjectType('Rollout', { description: 'A revision rolled out wave by wave' })
export class RolloutModel {
  @Field(() => ID) id!: string;
  @Field({ description: 'The commit SHA every cluster in the rollout is pinned to' }) revision!: string;
  @Field({ description: 'RUNNING, PAUSED, ROLLING_BACK, SUCCEEDED, ROLLED_BACK, ABORTED, SUPERSEDED or REJECTED' })
  phase!: string;
  @Field({ description: 'COMMIT (a push or poll), MANUAL (startRollout)' }) trigger!: string;
  @Field() actor!: string;
  @Field() onFailure!: string;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => RolloutPolicyErrorModel, { nullable: true }) policyError!: RolloutPolicyErrorModel | null;
  @Field(() => String, { nullable: true, description: 'The revert commit of a rollback' }) rollbackRevision!:
    string | null;
  @Field(() => [ID]) failedClusterIds!: string[];
  @Field(() => [RolloutWaveModel]) waves!: RolloutWaveModel[];
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

@ObjectType()
export class RolloutEdge {
  @Field() cursor!: string;
  @Field(() => RolloutModel) node!: RolloutModel;
}

@ObjectType()
export class RolloutConnection {
  @Field(() => [RolloutEdge]) edges!: RolloutEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

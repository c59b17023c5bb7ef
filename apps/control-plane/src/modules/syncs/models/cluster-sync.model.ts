import { Field, ObjectType } from '@nestjs/graphql';
import type { HealthStatus, SyncState } from '@flotilla/protocol';
import { HealthStatusEnum, SyncStateEnum } from './sync-enums.js';
import { SyncResultModel } from './sync-result.model.js';

@ObjectType('ClusterSync', { description: "A cluster's desired state and how far its agent got" })
export class ClusterSyncModel {
  @Field(() => String, { nullable: true, description: 'Fleet repository URL (credentials removed)' }) repoUrl!:
    string | null;
  @Field() branch!: string;
  @Field({ description: "Path of the cluster's manifests in the repository" }) path!: string;
  @Field() prune!: boolean;
  @Field() selfHeal!: boolean;
  @Field(() => String, {
    nullable: true,
    description: 'Desired revision (commit SHA); null until the repository was read',
  })
  revision!: string | null;
  @Field(() => String, { nullable: true, description: 'The revision the cluster runs, per its latest report' })
  appliedRevision!: string | null;
  @Field(() => SyncStateEnum) state!: SyncState;
  @Field(() => HealthStatusEnum, { description: 'From the latest report; UNKNOWN before any' }) health!: HealthStatus;
  @Field(() => SyncResultModel, { nullable: true, description: 'The latest reconcile reported' })
  lastResult!: SyncResultModel | null;
}

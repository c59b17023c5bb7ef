import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '../../../common/page-info.model.js';
import type { Admission } from '../cluster.entity.js';
import type { ConnectionState } from '../connection-state.js';
import { AdmissionEnum } from './admission.enum.js';
import { ConnectionStateEnum } from './connection-state.enum.js';

@ObjectType('ClusterFacts')
export class ClusterFactsModel {
  @Field() kubeVersion!: string;
  @Field() agentVersion!: string;
  @Field() provider!: string;
  @Field() region!: string;
  @Field(() => Int) nodeCount!: number;
}

@ObjectType('Cluster')
export class ClusterModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => [String]) tags!: string[];
  @Field(() => ConnectionStateEnum) connection!: ConnectionState;
  @Field(() => AdmissionEnum) admission!: Admission;
  @Field(() => Date, {
    nullable: true,
    description: "When the agent's current NATS credential expires (it renews it before then)",
  })
  credentialExpiresAt!: Date | null;
  @Field(() => Date, { nullable: true }) approvedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When the last heartbeat was received' }) lastSeenAt!: Date | null;
  @Field() registeredAt!: Date;
  @Field(() => ClusterFactsModel) facts!: ClusterFactsModel;
}

@ObjectType()
export class ClusterEdge {
  @Field() cursor!: string;
  @Field(() => ClusterModel) node!: ClusterModel;
}

@ObjectType()
export class ClusterConnection {
  @Field(() => [ClusterEdge]) edges!: ClusterEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int, { description: 'Clusters matching the filter, over all pages' }) totalCount!: number;
}

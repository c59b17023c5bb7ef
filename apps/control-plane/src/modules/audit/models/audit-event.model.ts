import { Field, ID, ObjectType } from '@nestjs/graphql';
import GraphQLJSON from '../../../common/json.scalar.js';
import { PageInfo } from '../../../common/page-info.model.js';

@ObjectType('AuditEvent')
export class AuditEventModel {
  @Field(() => ID) id!: string;
  @Field() occurredAt!: Date;
  @Field({ description: 'API token id of the caller ("admin-token" for the boot admin token)' }) actorId!: string;
  @Field() actorName!: string;
  @Field({ description: 'What was done, e.g. cluster.deregister' }) action!: string;
  @Field() targetType!: string;
  @Field() targetId!: string;
  @Field(() => GraphQLJSON) details!: Record<string, unknown>;
}

@ObjectType()
export class AuditEventEdge {
  @Field() cursor!: string;
  @Field(() => AuditEventModel) node!: AuditEventModel;
}

@ObjectType()
export class AuditEventConnection {
  @Field(() => [AuditEventEdge]) edges!: AuditEventEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

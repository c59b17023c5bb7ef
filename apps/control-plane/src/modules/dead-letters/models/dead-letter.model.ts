import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '../../../common/page-info.model.js';

@ObjectType('DeadLetter', { description: 'An agent message ingest gave up on, kept with why' })
export class DeadLetterModel {
  @Field(() => ID) id!: string;
  @Field({ description: 'NATS subject it arrived on' }) subject!: string;
  @Field(() => ID, { nullable: true, description: 'The cluster its subject names, if any' }) clusterId!: string | null;
  @Field({
    description:
      'Why it was dropped: bad_json, schema, cluster_mismatch, bad_subject, unsupported_kind, database_refused or redeliveries_spent',
  })
  reason!: string;
  @Field({ description: 'What was wrong, e.g. the field the schema refused or the database error' }) detail!: string;
  @Field({ description: 'The payload as UTF-8 (first 4 KiB; NULs and broken characters shown as U+FFFD)' })
  payload!: string;
  @Field(() => Int, { description: 'Size of the whole payload in bytes' }) payloadBytes!: number;
  @Field(() => Int, { description: 'Times JetStream had delivered it' }) deliveries!: number;
  @Field({ description: 'When NATS received it' }) receivedAt!: Date;
  @Field({ description: 'When ingest gave up on it' }) deadAt!: Date;
}

@ObjectType()
export class DeadLetterEdge {
  @Field() cursor!: string;
  @Field(() => DeadLetterModel) node!: DeadLetterModel;
}

@ObjectType()
export class DeadLetterConnection {
  @Field(() => [DeadLetterEdge]) edges!: DeadLetterEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int, { description: 'Dead letters kept in all' }) totalCount!: number;
}

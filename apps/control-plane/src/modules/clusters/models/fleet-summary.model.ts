import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType()
export class ConnectionCounts {
  @Field(() => Int) total!: number;
  @Field(() => Int) online!: number;
  @Field(() => Int) offline!: number;
  @Field(() => Int) pending!: number;
}

@ObjectType()
export class TagCounts extends ConnectionCounts {
  @Field() tag!: string;
}

@ObjectType()
export class FleetSummary {
  @Field(() => ConnectionCounts) clusters!: ConnectionCounts;
  @Field(() => [TagCounts], { description: 'Per tag, sorted by tag' }) byTag!: TagCounts[];
}

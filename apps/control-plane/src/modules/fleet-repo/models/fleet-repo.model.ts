import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('FleetRepo', { description: 'The fleet repository the clusters follow, as last polled' })
export class FleetRepoModel {
  @Field(() => String, { nullable: true, description: 'Clone URL (credentials removed); null when not configured' })
  url!: string | null;
  @Field() branch!: string;
  @Field(() => String, { nullable: true, description: 'Commit the branch pointed at on the last good poll' })
  headRevision!: string | null;
  @Field(() => Date, { nullable: true }) lastPolledAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Why the last poll failed; null after a good poll' }) error!:
    string | null;
}

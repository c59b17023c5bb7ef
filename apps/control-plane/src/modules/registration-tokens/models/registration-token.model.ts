import { Field, ID, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('RegistrationToken')
export class RegistrationTokenModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => [String]) tags!: string[];
  @Field(() => Int) maxUses!: number;
  @Field(() => Int) usedCount!: number;
  @Field() expiresAt!: Date;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
  @Field({ description: 'Clusters registered with it wait for approveCluster' }) requireApproval!: boolean;
  @Field(() => String, { nullable: true, description: 'The one cluster name it accepts, when bound' }) clusterName!:
    string | null;
  @Field() createdBy!: string;
  @Field() createdAt!: Date;
}

@ObjectType()
export class CreatedRegistrationToken {
  @Field(() => RegistrationTokenModel) registrationToken!: RegistrationTokenModel;
  @Field({ description: 'The secret agents present to POST /v1/register. Shown only in this response.' })
  token!: string;
}

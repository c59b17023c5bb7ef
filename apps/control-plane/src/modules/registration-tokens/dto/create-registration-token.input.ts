import { Field, InputType, Int } from '@nestjs/graphql';
import { ClusterName, Tag } from '@flotilla/protocol';
import { z } from 'zod';

@InputType()
export class CreateRegistrationTokenInput {
  @Field({ description: 'What the token is for (1-100 characters)' }) name!: string;
  @Field(() => [String], { description: 'Tags every cluster registered with this token gets', defaultValue: [] })
  tags!: string[];
  @Field(() => Int, {
    description: 'Seconds until the token expires (60 to 31536000; default 86400, one day)',
    defaultValue: 86_400,
  })
  expiresIn!: number;
  @Field(() => Int, {
    description: 'How many clusters may register with it (1 to 100000; default 1: single use)',
    defaultValue: 1,
  })
  maxUses!: number;
  @Field(() => String, { nullable: true, description: 'Only a cluster of exactly this name may register with it' })
  clusterName?: string | null;
  @Field(() => Boolean, {
    nullable: true,
    description:
      'Clusters registered with it wait for approveCluster before they get desired state (default: the REGISTRATION_REQUIRE_APPROVAL policy)',
  })
  requireApproval?: boolean | null;
}

export const CreateRegistrationTokenSchema = z.object({
  name: z.string().trim().min(1).max(100),
  tags: z
    .array(Tag)
    .max(32)
    .refine((t) => new Set(t).size === t.length, 'must not repeat a tag'),
  expiresIn: z.number().int().min(60).max(31_536_000),
  maxUses: z.number().int().min(1).max(100_000),
  clusterName: ClusterName.nullish(),
  requireApproval: z.boolean().nullish(),
});

import { Field, InputType, Int } from '@nestjs/graphql';
import { Tag } from '@flotilla/protocol';
import { z } from 'zod';

@InputType()
export class CreateRegistrationTokenInput {
  @Field({ description: 'What the token is for (1-100 characters)' }) name!: string;
  @Field(() => [String], { description: 'Tags every cluster registered with this token gets', defaultValue: [] }) tags!: string[];
  @Field(() => Int, { description: 'Seconds until the token expires (60 to 31536000)' }) expiresIn!: number;
  @Field(() => Int, { description: 'How many clusters may register with it (1 to 100000)', defaultValue: 1 }) maxUses!: number;
}

export const CreateRegistrationTokenSchema = z.object({
  name: z.string().trim().min(1).max(100),
  tags: z
    .array(Tag)
    .max(32)
    .refine((t) => new Set(t).size === t.length, 'must not repeat a tag'),
  expiresIn: z.number().int().min(60).max(31_536_000),
  maxUses: z.number().int().min(1).max(100_000),
});

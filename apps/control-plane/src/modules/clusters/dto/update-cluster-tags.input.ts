import { Field, ID, InputType } from '@nestjs/graphql';
import { Tag } from '@flotilla/protocol';
import { z } from 'zod';

@InputType()
export class UpdateClusterTagsInput {
  @Field(() => ID) id!: string;
  @Field(() => [String], { description: 'The complete new tag set' }) tags!: string[];
}

export const UpdateClusterTagsSchema = z.object({
  id: z.string().uuid(),
  tags: z
    .array(Tag)
    .max(32)
    .refine((t) => new Set(t).size === t.length, 'must not repeat a tag'),
});

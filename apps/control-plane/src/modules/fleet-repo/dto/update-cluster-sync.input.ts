import { Field, ID, InputType } from '@nestjs/graphql';
import { z } from 'zod';

@InputType()
export class UpdateClusterSyncInput {
  @Field(() => ID) id!: string;
  @Field(() => String, {
    nullable: true,
    description: 'Path in the fleet repo; null keeps it, "" resets to the default template',
  })
  path?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Delete objects removed from Git' }) prune?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'Revert drift by re-applying' }) selfHeal?: boolean | null;
}

const RepoPath = z
  .string()
  .max(1024)
  .refine(
    (p) => p === '' || (!p.startsWith('/') && !p.split('/').some((s) => s === '..' || s === '.' || s === '')),
    'must be a relative path inside the repo, without . or .. segments',
  )
  .refine((p) => !/[\0\\\n\r\t]/.test(p), 'must not contain control characters or backslashes');

export const UpdateClusterSyncSchema = z.object({
  id: z.string().uuid(),
  path: RepoPath.nullish(),
  prune: z.boolean().nullish(),
  selfHeal: z.boolean().nullish(),
});
export type UpdateClusterSync = z.infer<typeof UpdateClusterSyncSchema>;

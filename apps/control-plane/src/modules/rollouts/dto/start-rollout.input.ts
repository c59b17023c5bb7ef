import { Field, InputType } from '@nestjs/graphql';
import { z } from 'zod';

@InputType()
export class TagSelectorInput {
  @Field(() => [String], { nullable: true }) allOf?: string[] | null;
  @Field(() => [String], { nullable: true }) anyOf?: string[] | null;
  @Field(() => [String], { nullable: true }) noneOf?: string[] | null;
}

@InputType({ description: 'A wave as in fleet.yaml' })
export class WaveInput {
  @Field() name!: string;
  @Field(() => TagSelectorInput, { nullable: true }) selector?: TagSelectorInput | null;
  @Field(() => Boolean, { nullable: true }) rest?: boolean | null;
  @Field(() => String, { nullable: true, description: 'A count ("3") or a percentage ("25%")' }) maxParallel?:
    string | null;
  @Field(() => String, { nullable: true, description: 'e.g. "5m"' }) healthTimeout?: string | null;
  @Field(() => String, { nullable: true, description: 'e.g. "30s"' }) soak?: string | null;
}

@InputType()
export class StartRolloutInput {
  @Field({ description: 'Full commit SHA on the tracked branch' }) revision!: string;
  @Field(() => TagSelectorInput, { description: 'Only clusters matching it take part' }) selector!: TagSelectorInput;
  @Field(() => [WaveInput], { nullable: true, description: "Default: fleet.yaml's waves at the revision" }) waves?:
    WaveInput[] | null;
  @Field(() => String, { nullable: true, description: 'ROLLBACK or PAUSE' }) onFailure?: string | null;
}

const tags = z
  .array(z.string().min(1).max(63))
  .max(50)
  .nullish()
  .transform((v) => v ?? undefined);
const selector = z.object({ allOf: tags, anyOf: tags, noneOf: tags });
const clean = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

export const StartRolloutSchema = z.object({
  revision: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character commit SHA'),
  selector: selector.refine(
    (s) => s.allOf?.length || s.anyOf?.length || s.noneOf?.length,
    'needs at least one of allOf, anyOf, noneOf',
  ),
  waves: z
    .array(
      z.object({
        name: z.string(),
        selector: selector.nullish(),
        rest: z.boolean().nullish(),
        maxParallel: z.string().nullish(),
        healthTimeout: z.string().nullish(),
        soak: z.string().nullish(),
      }),
    )
    .max(50)
    .nullish()
    .transform((ws) =>
      ws?.map((w) =>
        clean({
          ...w,
          selector: w.selector ? clean(w.selector) : undefined,
          maxParallel: w.maxParallel && /^\d+$/.test(w.maxParallel) ? Number(w.maxParallel) : w.maxParallel,
        }),
      ),
    ),
  onFailure: z
    .enum(['ROLLBACK', 'PAUSE'])
    .nullish()
    .transform((v) => (v ? (v.toLowerCase() as 'rollback' | 'pause') : undefined)),
});

export const RolloutsFilterSchema = z.object({
  phase: z.string().max(32).nullish(),
  revision: z
    .string()
    .regex(/^[0-9a-f]{4,40}$/)
    .nullish(),
});

@InputType()
export class RolloutsFilterInput {
  @Field(() => String, { nullable: true, description: 'e.g. RUNNING' }) phase?: string | null;
  @Field(() => String, { nullable: true, description: 'A commit SHA or its prefix' }) revision?: string | null;
}

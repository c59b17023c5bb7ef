import { Field, ID, InputType } from '@nestjs/graphql';
import { DriftResolution } from '@flotilla/protocol';
import { z } from 'zod';
import { DriftResolutionEnum } from '../../syncs/models/sync-enums.js';

@InputType()
export class DriftEventsFilterInput {
  @Field(() => ID, { nullable: true }) clusterId?: string | null;
  @Field(() => Date, { nullable: true, description: 'Only drift detected at or after this time' }) since?: Date | null;
  @Field(() => DriftResolutionEnum, { nullable: true }) resolution?: DriftResolution | null;
}

export const DriftEventsFilterSchema = z.object({
  clusterId: z.string().uuid().nullish(),
  since: z.date().nullish(),
  resolution: z.enum([DriftResolution.Reverted, DriftResolution.Reported, DriftResolution.RevertFailed]).nullish(),
});
export type DriftEventsFilter = z.infer<typeof DriftEventsFilterSchema>;

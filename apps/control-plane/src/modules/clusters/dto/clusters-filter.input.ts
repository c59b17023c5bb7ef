import { Field, InputType } from '@nestjs/graphql';
import { Tag } from '@flotilla/protocol';
import { z } from 'zod';
import { ConnectionState } from '../connection-state.js';

import { Admission } from '../cluster.entity.js';
import { AdmissionEnum } from '../models/admission.enum.js';
import { ConnectionStateEnum } from '../models/connection-state.enum.js';

@InputType()
export class ClustersFilterInput {
  @Field(() => [String], { nullable: true, description: 'Clusters that have every one of these tags' }) tags?:
    string[] | null;
  @Field(() => ConnectionStateEnum, { nullable: true }) connection?: ConnectionState | null;
  @Field(() => AdmissionEnum, { nullable: true }) admission?: Admission | null;
  @Field(() => String, { nullable: true, description: 'Substring of name, provider or region (case-insensitive)' })
  search?: string | null;
}

export const ClustersFilterSchema = z
  .object({
    tags: z.array(Tag).max(32).nullish(),
    connection: z.enum([ConnectionState.Online, ConnectionState.Offline, ConnectionState.Pending]).nullish(),
    admission: z.enum([Admission.Active, Admission.AwaitingApproval, Admission.Suspended]).nullish(),
    search: z.string().max(100).nullish(),
  })
  .nullish();
export type ClustersFilter = NonNullable<z.infer<typeof ClustersFilterSchema>>;

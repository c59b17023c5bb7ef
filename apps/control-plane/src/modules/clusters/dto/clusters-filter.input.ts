import { Field, InputType, registerEnumType } from '@nestjs/graphql';
import { Tag } from '@flotilla/protocol';
import { z } from 'zod';
import { ConnectionState } from '../connection-state.js';

registerEnumType(ConnectionState, { name: 'ConnectionState', description: 'Pending: never heard from; Offline: missed 3 heartbeat intervals' });

@InputType()
export class ClustersFilterInput {
  @Field(() => [String], { nullable: true, description: 'Clusters that have every one of these tags' }) tags?: string[] | null;
  @Field(() => ConnectionState, { nullable: true }) connection?: ConnectionState | null;
  @Field(() => String, { nullable: true, description: 'Substring of name, provider or region (case-insensitive)' }) search?: string | null;
}

export const ClustersFilterSchema = z
  .object({
    tags: z.array(Tag).max(32).nullish(),
    connection: z.enum([ConnectionState.Online, ConnectionState.Offline, ConnectionState.Pending]).nullish(),
    search: z.string().max(100).nullish(),
  })
  .nullish();
export type ClustersFilter = NonNullable<z.infer<typeof ClustersFilterSchema>>;

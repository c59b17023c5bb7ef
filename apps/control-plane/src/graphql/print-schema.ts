/**
 * Prints the GraphQL schema deterministically (types and fields sorted) without a database
 * or NATS: what apps/control-plane/schema.gql holds. `schema.int-spec.ts` fails when the
 * committed file is stale; regenerate it with `npm run -w @flotilla/control-plane schema`.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { ApiTokensResolver } from '../modules/api-tokens/api-tokens.resolver.js';
import { AuditResolver } from '../modules/audit/audit.resolver.js';
import { MeResolver } from '../modules/auth/me.resolver.js';
import { ClustersResolver } from '../modules/clusters/clusters.resolver.js';
import { DeadLettersResolver } from '../modules/dead-letters/dead-letters.resolver.js';
import { ClusterWarningsResolver } from '../modules/diffs/cluster-warnings.resolver.js';
import { DiffsResolver } from '../modules/diffs/diffs.resolver.js';
import { DriftResolver } from '../modules/drift/drift.resolver.js';
import { FleetRepoResolver } from '../modules/fleet-repo/fleet-repo.resolver.js';
import { RolloutsResolver } from '../modules/rollouts/rollouts.resolver.js';
import { NotificationsResolver } from '../modules/notifications/notifications.resolver.js';
import { RegistrationTokensResolver } from '../modules/registration-tokens/registration-tokens.resolver.js';
import { SyncsResolver } from '../modules/syncs/syncs.resolver.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema.gql', import.meta.url));

export const resolvers = [
  ApiTokensResolver,
  AuditResolver,
  ClustersResolver,
  ClusterWarningsResolver,
  DeadLettersResolver,
  DiffsResolver,
  DriftResolver,
  MeResolver,
  FleetRepoResolver,
  NotificationsResolver,
  RegistrationTokensResolver,
  RolloutsResolver,
  SyncsResolver,
];

export function printSorted(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

export async function printControlPlaneSchema(): Promise<string> {
  const app = await NestFactory.create(GraphQLSchemaBuilderModule, { logger: false });
  try {
    await app.init();
    return printSorted(await app.get(GraphQLSchemaFactory).create(resolvers));
  } finally {
    await app.close();
  }
}

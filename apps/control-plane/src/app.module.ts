/** The control plane's root module, built from a validated config. */
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { Logger } from 'pino';
import type { ControlPlaneConfig } from './config/config.schema.js';
import { CONFIG } from './config/config.token.js';
import { DatabaseModule } from './database/database.module.js';
import { createFormatError } from './graphql/format-error.js';
import { operationLimits } from './graphql/limits.rule.js';
import { ApiTokensModule } from './modules/api-tokens/api-tokens.module.js';
import { AuditModule } from './modules/audit/audit.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { ClustersModule } from './modules/clusters/clusters.module.js';
import { FleetRepoModule } from './modules/fleet-repo/fleet-repo.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { NatsModule } from './modules/nats/nats.module.js';
import { RegistrationTokensModule } from './modules/registration-tokens/registration-tokens.module.js';
import { RegistrationModule } from './modules/registration/registration.module.js';
import { StatusIngestModule } from './modules/status-ingest/status-ingest.module.js';
import { WebhooksModule } from './modules/webhooks/webhooks.module.js';

/** The GraphQL-facing modules (also what the schema file is generated from). */
export const graphQLModules = [AuditModule, AuthModule, ApiTokensModule, RegistrationTokensModule, ClustersModule, FleetRepoModule];

export function graphQLOptions(config: ControlPlaneConfig, logger: Logger): ApolloDriverConfig {
  return {
    driver: ApolloDriver,
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    playground: false,
    graphiql: false,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    context: ({ req }: { req: unknown }) => ({ req }),
    formatError: createFormatError(logger),
    validationRules: [operationLimits({ maxDepth: config.GRAPHQL_MAX_DEPTH, maxAliases: config.GRAPHQL_MAX_ALIASES })],
  };
}

@Module({})
export class AppModule {
  static forRoot(config: ControlPlaneConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        DatabaseModule.forRoot(config.DATABASE_URL),
        GraphQLModule.forRoot<ApolloDriverConfig>(graphQLOptions(config, logger)),
        HealthModule,
        NatsModule,
        ...graphQLModules,
        RegistrationModule,
        WebhooksModule,
        StatusIngestModule,
      ],
      providers: [{ provide: CONFIG, useValue: config }],
      exports: [CONFIG],
    };
  }
}

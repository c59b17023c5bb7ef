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
import { AuthService } from './modules/auth/auth.service.js';
import type { Actor } from './modules/auth/role.js';
import { DriftModule } from './modules/drift/drift.module.js';
import { ClustersModule } from './modules/clusters/clusters.module.js';
import { FleetEventsModule } from './modules/fleet-events/fleet-events.module.js';
import { FleetRepoModule } from './modules/fleet-repo/fleet-repo.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { NatsModule } from './modules/nats/nats.module.js';
import { RegistrationTokensModule } from './modules/registration-tokens/registration-tokens.module.js';
import { NotificationsModule } from './modules/notifications/notifications.module.js';
import { RegistrationModule } from './modules/registration/registration.module.js';
import { SyncsModule } from './modules/syncs/syncs.module.js';
import { StatusIngestModule } from './modules/status-ingest/status-ingest.module.js';
import { WebhooksModule } from './modules/webhooks/webhooks.module.js';
import { RolloutsModule } from './modules/rollouts/rollouts.module.js';
import { DiffsModule } from './modules/diffs/diffs.module.js';
import { WebModule } from './modules/web/web.module.js';

/** The GraphQL-facing modules (also what the schema file is generated from). */
export const graphQLModules = [AuditModule, AuthModule, ApiTokensModule, RegistrationTokensModule, ClustersModule, FleetRepoModule, SyncsModule, DriftModule, NotificationsModule, RolloutsModule, DiffsModule];

/** A request-shaped context for both transports: HTTP has `req`; graphql-ws carries the actor authenticated on connect. */
function graphQLContext(arg: { req?: unknown; extra?: { actor?: Actor } }) {
  return arg.req ? { req: arg.req } : { req: { headers: {}, actor: arg.extra?.actor } };
}

/** graphql-ws on /graphql: the API token comes in connectionParams (`authorization: "Bearer …"` or `token`). */
function subscriptionOptions(auth: AuthService) {
  return {
    'graphql-ws': {
      path: '/graphql',
      onConnect: async (ctx: { connectionParams?: Record<string, unknown>; extra: unknown }) => {
        const p = ctx.connectionParams ?? {};
        const raw = typeof p.authorization === 'string' ? p.authorization : typeof p.Authorization === 'string' ? p.Authorization : typeof p.token === 'string' ? `Bearer ${p.token}` : '';
        const match = /^Bearer\s+(\S+)$/i.exec(raw);
        const actor = match ? await auth.authenticate(match[1]!) : undefined;
        if (!actor) return false;
        (ctx.extra as { actor?: Actor }).actor = actor;
        return true;
      },
    },
  };
}

export function graphQLOptions(config: ControlPlaneConfig, logger: Logger, auth?: AuthService): ApolloDriverConfig {
  return {
    driver: ApolloDriver,
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    playground: false,
    graphiql: false,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    context: graphQLContext,
    ...(auth ? { subscriptions: subscriptionOptions(auth) } : {}),
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
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          imports: [AuthModule],
          inject: [AuthService],
          useFactory: (auth: AuthService) => graphQLOptions(config, logger, auth),
        }),
        HealthModule,
        NatsModule,
        FleetEventsModule,
        ...graphQLModules,
        RegistrationModule,
        WebhooksModule,
        StatusIngestModule,
        WebModule,
      ],
      providers: [{ provide: CONFIG, useValue: config }],
      exports: [CONFIG],
    };
  }
}

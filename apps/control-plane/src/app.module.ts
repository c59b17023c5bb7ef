/** The control plane's root module, built from a validated config. */
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { Logger } from 'pino';
import type { ControlPlaneConfig } from './config/config.schema.js';
import { CONFIG } from './config/config.token.js';
import { ClientAddresses } from './common/client-addresses.js';
import { DatabaseModule } from './database/database.module.js';
import { databaseSettings } from './database/pg-connection.js';
import { createFormatError } from './graphql/format-error.js';
import { operationGuards } from './graphql/operation-guards.js';
import { ApiTokensModule } from './modules/api-tokens/api-tokens.module.js';
import { AuditModule } from './modules/audit/audit.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { AuthFailureLimiter } from './modules/auth/auth-failure-limiter.js';
import { AuthService } from './modules/auth/auth.service.js';
import { authenticateOnConnect, type WsExtra } from './modules/auth/ws-authenticate.js';
import { WsSessions } from './modules/auth/ws-sessions.js';
import { DriftModule } from './modules/drift/drift.module.js';
import { ClustersModule } from './modules/clusters/clusters.module.js';
import { FleetEventsModule } from './modules/fleet-events/fleet-events.module.js';
import { FleetRepoModule } from './modules/fleet-repo/fleet-repo.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { NatsModule } from './modules/nats/nats.module.js';
import { RegistrationTokensModule } from './modules/registration-tokens/registration-tokens.module.js';
import { NotificationsModule } from './modules/notifications/notifications.module.js';
import { RegistrationModule } from './modules/registration/registration.module.js';
import { RelayModule } from './modules/relay/relay.module.js';
import { SyncsModule } from './modules/syncs/syncs.module.js';
import { StatusIngestModule } from './modules/status-ingest/status-ingest.module.js';
import { WebhooksModule } from './modules/webhooks/webhooks.module.js';
import { RolloutsModule } from './modules/rollouts/rollouts.module.js';
import { DiffsModule } from './modules/diffs/diffs.module.js';
import { DeadLettersModule } from './modules/dead-letters/dead-letters.module.js';
import { WebModule } from './modules/web/web.module.js';

/** The GraphQL-facing modules (also what the schema file is generated from). */
export const graphQLModules = [
  AuditModule,
  AuthModule,
  ApiTokensModule,
  RegistrationTokensModule,
  ClustersModule,
  FleetRepoModule,
  SyncsModule,
  DriftModule,
  NotificationsModule,
  RolloutsModule,
  DiffsModule,
  DeadLettersModule,
];

/**
 * A request-shaped context for both transports: HTTP has `req`; graphql-ws carries the token it
 * connected with, which the auth guard checks again for every operation (revocation and role
 * changes apply at once).
 */
function graphQLContext(arg: { req?: unknown; extra?: WsExtra }) {
  if (arg.req) return { req: arg.req };
  const token = arg.extra?.token;
  return {
    req: {
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        // The address of the upgrade request, for the failure count under TRUSTED_PROXIES.
        'x-forwarded-for': arg.extra?.request?.headers?.['x-forwarded-for'],
      },
      socket: arg.extra?.request?.socket,
    },
  };
}

export function graphQLOptions(
  config: ControlPlaneConfig,
  logger: Logger,
  auth?: { service: AuthService; failures: AuthFailureLimiter; sessions: WsSessions },
): ApolloDriverConfig {
  const guards = operationGuards(config);
  return {
    driver: ApolloDriver,
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    playground: false,
    graphiql: false,
    includeStacktraceInErrorResponses: false,
    context: graphQLContext,
    // Module exception filters also map errors thrown in field resolvers (Cluster.objects, …).
    fieldResolverEnhancers: ['filters'],
    ...guards.apollo,
    ...(auth
      ? {
          subscriptions: {
            'graphql-ws': {
              path: '/graphql',
              onConnect: authenticateOnConnect(auth.service, auth.failures, auth.sessions),
              ...guards.graphqlWs,
            },
          },
        }
      : {}),
    formatError: createFormatError(logger),
  };
}

@Module({})
export class AppModule {
  static forRoot(config: ControlPlaneConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        DatabaseModule.forRoot(databaseSettings(config)),
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          imports: [AuthModule],
          inject: [AuthService, AuthFailureLimiter, WsSessions],
          useFactory: (service: AuthService, failures: AuthFailureLimiter, sessions: WsSessions) =>
            graphQLOptions(config, logger, { service, failures, sessions }),
        }),
        HealthModule,
        NatsModule,
        FleetEventsModule,
        ...graphQLModules,
        RegistrationModule,
        WebhooksModule,
        StatusIngestModule,
        RelayModule,
        WebModule,
      ],
      providers: [{ provide: CONFIG, useValue: config }, ClientAddresses],
      exports: [CONFIG, ClientAddresses],
    };
  }
}

/** The one TypeORM DataSource: PostgreSQL, synchronize off, committed migrations only. */
import { DataSource } from 'typeorm';
import { pgConnection, type PgConnectionSettings } from './pg-connection.js';
import { ApiToken } from '../modules/api-tokens/api-token.entity.js';
import { AuditEvent } from '../modules/audit/audit-event.entity.js';
import { Cluster } from '../modules/clusters/cluster.entity.js';
import { RegistrationToken } from '../modules/registration-tokens/registration-token.entity.js';
import { InitialSchema1764270000000 } from './migrations/1764270000000-initial-schema.js';
import { DesiredStateAndReports1764280000000 } from './migrations/1764280000000-desired-state-and-reports.js';
import { Notifications1764291000000 } from './migrations/1764291000000-notifications.js';
import { Rollouts1764290500000 } from './migrations/1764290500000-rollouts.js';
import { ClusterAdmission1764300000000 } from './migrations/1764300000000-cluster-admission.js';
import { UniqueAgentKeys1764310000000 } from './migrations/1764310000000-unique-agent-keys.js';
import { DeadLetters1764320000000 } from './migrations/1764320000000-dead-letters.js';
import { ObjectsBehind1764330000000 } from './migrations/1764330000000-objects-behind.js';
import { RateLimitWindows1764341800000 } from './migrations/1764341800000-rate-limit-windows.js';
import { AlertClaims1764341900000 } from './migrations/1764341900000-alert-claims.js';

export const entities = [Cluster, RegistrationToken, ApiToken, AuditEvent];
export const migrations = [
  InitialSchema1764270000000,
  DesiredStateAndReports1764280000000,
  Rollouts1764290500000,
  Notifications1764291000000,
  ClusterAdmission1764300000000,
  UniqueAgentKeys1764310000000,
  DeadLetters1764320000000,
  ObjectsBehind1764330000000,
  RateLimitWindows1764341800000,
  AlertClaims1764341900000,
];

/** Connect and query time limits when none are given (the config's defaults). */
export const DEFAULT_DB_TIMEOUTS = { connectTimeoutMs: 10_000, queryTimeoutMs: 60_000 };

/** `url` may list several hosts (see pg-connection.ts). */
export function createDataSource(
  url: string,
  timeouts: Omit<PgConnectionSettings, 'url'> = DEFAULT_DB_TIMEOUTS,
): DataSource {
  const conn = pgConnection({ url, ...timeouts });
  return new DataSource({
    type: 'postgres',
    url: conn.url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'migrations',
    logging: false,
    extra: { ...conn.options, max: 10 },
  });
}

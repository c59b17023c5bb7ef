/**
 * Runs pending migrations once, whichever replica starts first: every control plane takes the same
 * PostgreSQL advisory lock before migrating, so replicas started together (a rolling upgrade, a
 * Deployment of several) wait for one another instead of racing to create the same tables; the
 * ones that come after find nothing left to run. The lock lives on one session and ends with it.
 */
import type { DataSource, Migration } from 'typeorm';

/** Any fixed 64-bit number unique to this purpose ("flotilla migrations"). */
export const MIGRATION_LOCK_KEY = 0x666c6f74696c6c61n.toString();

export async function migrateOnce(ds: DataSource): Promise<Migration[]> {
  const session = ds.createQueryRunner();
  await session.connect();
  try {
    await session.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      return await ds.runMigrations({ transaction: 'each' });
    } finally {
      await session.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await session.release();
  }
}

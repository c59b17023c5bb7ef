import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fixed-window counters shared by every control-plane replica on this database: one row per
 * (scope, client address), e.g. ('auth-failures', '203.0.113.7'). Counted by one atomic upsert,
 * timed by the database's clock; expired rows are swept by whichever replica comes first.
 */
export class RateLimitWindows1764341800000 implements MigrationInterface {
  name = 'RateLimitWindows1764341800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rate_limit_windows (
        scope text NOT NULL,
        key text NOT NULL,
        window_start timestamptz NOT NULL,
        count integer NOT NULL,
        PRIMARY KEY (scope, key)
      )`);
    await q.query(`CREATE INDEX rate_limit_windows_start ON rate_limit_windows (scope, window_start)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limit_windows`);
  }
}

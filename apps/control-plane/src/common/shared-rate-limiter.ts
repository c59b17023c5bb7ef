import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { RateLimiter } from './rate-limiter.js';

export interface SharedRateLimiterOptions {
  /** Names the counter (one table holds all of them): 'auth-failures', 'register', … */
  scope: string;
  limit: number;
  windowMs: number;
  /** Most rows of this scope kept after a sweep (the newest windows win). */
  maxKeys?: number;
}

/**
 * The fixed-window counter of RateLimiter, kept in PostgreSQL (`rate_limit_windows`) so that
 * every control-plane replica on one database counts against one limit. `take` is one atomic
 * upsert (a window that is over restarts at 1 in the same statement; concurrent takes serialize
 * on the row), `blocked` one primary-key read; times come from the database's clock, so replicas
 * need not agree on theirs. Expired rows are swept once per window (and the scope capped at
 * `maxKeys` rows, oldest windows first) by whichever replica gets there.
 *
 * When the database cannot answer, the same question goes to an in-memory RateLimiter of this
 * replica: a limit still holds (per replica) rather than none, and the API stays reachable.
 */
export class SharedRateLimiter {
  private readonly logger = new Logger(SharedRateLimiter.name);
  private readonly local: RateLimiter;
  private readonly maxKeys: number;
  private nextSweep = 0;
  private degraded = false;

  constructor(
    private readonly db: DataSource,
    private readonly opts: SharedRateLimiterOptions,
  ) {
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.local = new RateLimiter(opts.limit, opts.windowMs, Date.now, this.maxKeys);
  }

  /** Counts one event; 0 while within the limit, else the seconds until the window resets. */
  async take(key: string): Promise<number> {
    try {
      const rows = (await this.db.query(
        `INSERT INTO rate_limit_windows AS w (scope, key, window_start, count)
         VALUES ($1, $2, now(), 1)
         ON CONFLICT (scope, key) DO UPDATE SET
           window_start = CASE WHEN w.window_start <= now() - make_interval(secs => $3) THEN now() ELSE w.window_start END,
           count = CASE WHEN w.window_start <= now() - make_interval(secs => $3) THEN 1 ELSE LEAST(w.count + 1, 1000000000) END
         RETURNING count, ${secondsLeft('$3')} AS seconds_left`,
        [this.opts.scope, key, this.opts.windowMs / 1000],
      )) as { count: number; seconds_left: number }[];
      this.healthy();
      this.sweepSometimes();
      const row = rows[0]!;
      return row.count <= this.opts.limit ? 0 : Number(row.seconds_left);
    } catch (error) {
      this.fellBack(error);
      return this.local.take(key);
    }
  }

  /** Without counting: 0 while the key may go on, else the seconds until its window resets. */
  async blocked(key: string): Promise<number> {
    try {
      const rows = (await this.db.query(
        `SELECT ${secondsLeft('$4')} AS seconds_left FROM rate_limit_windows
         WHERE scope = $1 AND key = $2 AND count >= $3 AND window_start > now() - make_interval(secs => $4)`,
        [this.opts.scope, key, this.opts.limit, this.opts.windowMs / 1000],
      )) as { seconds_left: number }[];
      this.healthy();
      return rows.length > 0 ? Number(rows[0]!.seconds_left) : 0;
    } catch (error) {
      this.fellBack(error);
      return this.local.blocked(key);
    }
  }

  /** Deletes this scope's expired windows, then all but the newest `maxKeys`. */
  async sweep(): Promise<void> {
    await this.db.query(
      `DELETE FROM rate_limit_windows WHERE scope = $1 AND window_start <= now() - make_interval(secs => $2)`,
      [this.opts.scope, this.opts.windowMs / 1000],
    );
    await this.db.query(
      `DELETE FROM rate_limit_windows WHERE scope = $1 AND key IN (
         SELECT key FROM rate_limit_windows WHERE scope = $1 ORDER BY window_start DESC OFFSET $2)`,
      [this.opts.scope, this.maxKeys],
    );
  }

  private sweepSometimes(): void {
    const now = Date.now();
    if (now < this.nextSweep) return;
    this.nextSweep = now + this.opts.windowMs;
    this.sweep().catch((error: unknown) =>
      this.logger.warn(`sweeping rate-limit windows (${this.opts.scope}) failed: ${(error as Error).message}`),
    );
  }

  private healthy(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.logger.log(`rate limit ${this.opts.scope}: counting in PostgreSQL again`);
  }

  private fellBack(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn(
      `rate limit ${this.opts.scope}: PostgreSQL did not answer (${(error as Error).message}); counting in this replica's memory meanwhile`,
    );
  }
}

/** Whole seconds (at least 1) until the window of a row ends; `param` holds the window in seconds. */
const secondsLeft = (param: string) =>
  `GREATEST(1, CEIL(EXTRACT(EPOCH FROM window_start + make_interval(secs => ${param}) - now())))::int`;

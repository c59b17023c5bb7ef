/** How ingest tells a message the database refuses from a database that is away. Pure: no I/O. */
import { QueryFailedError } from 'typeorm';

/**
 * True for PostgreSQL data exceptions (SQLSTATE class 22: out of range, bad characters, bad
 * times) and integrity violations (class 23: e.g. a report for an unknown cluster): the same
 * message would fail the same way on every redelivery.
 */
export function isRefusedByDatabase(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** Delay before redelivering a message that failed on delivery `n` (1-based): 1 s, 2 s, 4 s … at most 30 s. */
export function redeliveryDelayMs(n: number): number {
  return Math.min(1000 * 2 ** Math.max(0, n - 1), 30_000);
}

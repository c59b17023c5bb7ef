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

/** Connection-level failures of the pg driver and SQLSTATEs of a server that is away or shutting down. */
const AWAY_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
// connection exceptions, admin/crash shutdown, cannot connect now, too many connections, a standby
// that refuses writes (the primary is gone and this server is not promoted yet)
const AWAY_STATES = /^(08|57P0[1-3]|53300|25006)/;
const AWAY_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)|Query read timeout|no usable PostgreSQL host/i;

/**
 * True when the database is away rather than refusing this message: such a failure says nothing
 * about the message, so it never counts towards giving up on it (however long the outage lasts).
 */
export function isDatabaseAway(error: unknown): boolean {
  const cause = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (AWAY_CODES.has(code) || AWAY_STATES.test(code))) return true;
  return AWAY_MESSAGES.test(cause instanceof Error ? cause.message : String(cause));
}

/** Delay before redelivering a message that failed on delivery `n` (1-based): 1 s, 2 s, 4 s … at most 30 s. */
export function redeliveryDelayMs(n: number): number {
  return Math.min(1000 * 2 ** Math.max(0, n - 1), 30_000);
}

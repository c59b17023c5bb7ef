import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { isDatabaseAway, isRefusedByDatabase, redeliveryDelayMs } from './ingest-failure.js';

const pgError = (code: string) => new QueryFailedError('INSERT …', [], Object.assign(new Error('x'), { code }));

describe('ingest failures', () => {
  it('the database refusing the data is final; a connection problem is not', () => {
    expect(isRefusedByDatabase(pgError('22003'))).toBe(true); // integer out of range
    expect(isRefusedByDatabase(pgError('22P05'))).toBe(true); // untranslatable character (NUL)
    expect(isRefusedByDatabase(pgError('23503'))).toBe(true); // foreign key
    expect(isRefusedByDatabase(pgError('57P01'))).toBe(false); // admin shutdown
    expect(isRefusedByDatabase(pgError('08006'))).toBe(false); // connection failure
    expect(isRefusedByDatabase(new Error('connect ECONNREFUSED'))).toBe(false);
  });

  it('tells a database that is away from one that fails for another reason', () => {
    expect(isDatabaseAway(pgError('57P01'))).toBe(true); // admin shutdown
    expect(isDatabaseAway(pgError('08006'))).toBe(true); // connection failure
    expect(isDatabaseAway(pgError('53300'))).toBe(true); // too many connections
    expect(
      isDatabaseAway(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
    expect(isDatabaseAway(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseAway(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseAway(pgError('25006'))).toBe(true); // read-only: a standby not yet promoted
    expect(isDatabaseAway(new Error('Query read timeout'))).toBe(true); // DATABASE_QUERY_TIMEOUT_MS
    expect(isDatabaseAway(new Error('no usable PostgreSQL host (read-write): a:5432: read-only'))).toBe(true);
    expect(isDatabaseAway(pgError('57014'))).toBe(false); // query canceled
    expect(isDatabaseAway(pgError('22003'))).toBe(false);
    expect(isDatabaseAway(new Error('something else'))).toBe(false);
  });

  it('redelivery waits grow and stay bounded', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(redeliveryDelayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
});

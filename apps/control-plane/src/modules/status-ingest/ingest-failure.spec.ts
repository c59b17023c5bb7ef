import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { isRefusedByDatabase, redeliveryDelayMs } from './ingest-failure.js';

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

  it('redelivery waits grow and stay bounded', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(redeliveryDelayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
});

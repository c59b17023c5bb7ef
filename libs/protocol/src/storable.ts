/**
 * Schema pieces whose every accepted value PostgreSQL can store: text without NUL characters or
 * lone UTF-16 surrogates (text and jsonb refuse the first, jsonb the second), integers that fit
 * an `integer` column, and times inside timestamptz's range. A message that passes its schema
 * can then never be refused by the database (issue 13: one poison report stalled ingest).
 */
import { z } from 'zod';

/** Largest value of a PostgreSQL `integer` column. */
export const PG_INT_MAX = 2_147_483_647;

// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when PostgreSQL can store `s` as text and inside jsonb. */
export const storable = (s: string): boolean => !UNSTORABLE.test(s);

/**
 * `s` cut to at most `max` characters with every NUL and lone surrogate (a cut can split a pair)
 * replaced by U+FFFD: what a sender puts in a free-text field so its message always passes.
 */
export const storableText = (s: string, max: number): string =>
  // eslint-disable-next-line no-control-regex
  s.slice(0, max).replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

const UNSTORABLE_MESSAGE = 'contains a NUL character or a lone surrogate, which PostgreSQL cannot store';

/** A string of at most `max` characters that PostgreSQL can store. */
export const pgText = (max: number) => z.string().max(max).refine(storable, UNSTORABLE_MESSAGE);

/** A non-negative integer that fits a PostgreSQL `integer` column. */
export const pgInt = () => z.number().int().nonnegative().max(PG_INT_MAX);

/** An ISO date-time from year 1 on (PostgreSQL has no year 0). */
export const pgDatetime = () =>
  z
    .string()
    .datetime()
    .refine((s) => !s.startsWith('0000'), 'must be in year 1 or later');

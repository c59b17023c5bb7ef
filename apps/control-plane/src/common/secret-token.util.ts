/**
 * Bearer secrets: `flt_<kind>_<id without dashes>_<43 chars of base64url>`.
 * The id finds the row; the 32 random bytes are stored only as a SHA-256 hash and
 * compared in constant time.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export type SecretKind = 'reg' | 'api';

export interface IssuedSecret {
  id: string;
  token: string;
  hash: Buffer;
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function issueSecret(kind: SecretKind): IssuedSecret {
  const id = randomUUID();
  const token = `flt_${kind}_${id.replace(/-/g, '')}_${randomBytes(32).toString('base64url')}`;
  return { id, token, hash: hashSecret(token) };
}

const SHAPE = /^flt_(reg|api)_([0-9a-f]{32})_[A-Za-z0-9_-]{43}$/;

/** The id a token claims to be, or undefined when the string is not a token of that kind. */
export function parseSecret(kind: SecretKind, token: string): string | undefined {
  const m = SHAPE.exec(token);
  if (!m || m[1] !== kind) return undefined;
  const h = m[2]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Constant-time comparison of a presented token against a stored hash. */
export function secretMatches(token: string, storedHash: Buffer | undefined): boolean {
  const presented = hashSecret(token);
  const stored = storedHash && storedHash.length === presented.length ? storedHash : Buffer.alloc(presented.length);
  return timingSafeEqual(presented, stored) && storedHash !== undefined && storedHash.length === presented.length;
}

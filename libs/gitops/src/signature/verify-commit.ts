/**
 * Verifies a commit against a trust set: the detached OpenPGP signature in its `gpgsig` header
 * over the commit object without that header (binary, as git signs it).
 */
import { splitSignedCommit } from './signed-commit.js';
import type { TrustSet } from './trust-set.js';

export const CommitVerdictStatus = {
  Valid: 'valid',
  Unsigned: 'unsigned',
  UnknownKey: 'unknown-key',
  BadSignature: 'bad-signature',
} as const;
export type CommitVerdictStatus = (typeof CommitVerdictStatus)[keyof typeof CommitVerdictStatus];

export type CommitVerdict =
  | { status: 'valid'; fingerprint: string; userId?: string }
  | { status: 'unsigned' }
  | { status: 'unknown-key'; keyIds: string[] }
  | { status: 'bad-signature'; reason: string };

const MAX_SIGNATURE_CHARS = 64 * 1024;
/**
 * How far in the future a signature's creation time may be: the signer's clock (a laptop, the
 * control plane writing a revert) and the verifier's differ a little; openpgp.js would otherwise
 * refuse a signature made a second "from now".
 */
export const SIGNATURE_CLOCK_SKEW_MS = 5 * 60_000;

/** The verdict on one raw commit object (isomorphic-git `readObject` format 'content'). */
export async function verifyCommit(raw: Uint8Array, trust: TrustSet): Promise<CommitVerdict> {
  const { payload, signature: armored } = splitSignedCommit(raw);
  if (!armored) return { status: 'unsigned' };
  if (!armored.startsWith('-----BEGIN PGP SIGNATURE-----'))
    return { status: 'bad-signature', reason: 'not an OpenPGP signature (only OpenPGP signatures are accepted)' };
  if (armored.length > MAX_SIGNATURE_CHARS)
    return { status: 'bad-signature', reason: `signature larger than ${MAX_SIGNATURE_CHARS} characters` };
  const { pgp } = trust;
  let signature;
  try {
    signature = await pgp.readSignature({ armoredSignature: armored });
  } catch (e) {
    return { status: 'bad-signature', reason: `unreadable signature: ${(e as Error).message}` };
  }
  const keyIds = signature.getSigningKeyIDs();
  const key = trust.keyFor(keyIds);
  if (!key) return { status: 'unknown-key', keyIds: keyIds.map((id) => id.toHex().toUpperCase()) };
  const message = await pgp.createMessage({ binary: payload });
  const { signatures } = await pgp.verify({
    message,
    signature,
    verificationKeys: [key],
    format: 'binary',
    date: new Date(Date.now() + SIGNATURE_CLOCK_SKEW_MS),
  });
  let failure = 'no signature by a trusted key';
  for (const s of signatures) {
    try {
      await s.verified;
      const userId = key.getUserIDs()[0];
      return { status: 'valid', fingerprint: key.getFingerprint().toUpperCase(), ...(userId ? { userId } : {}) };
    } catch (e) {
      failure = (e as Error).message;
    }
  }
  return { status: 'bad-signature', reason: failure };
}

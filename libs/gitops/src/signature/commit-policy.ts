/**
 * The signed-commit policy's verdicts as error codes and sentences, the same on agent and control
 * plane: each names the commit and why it is refused.
 */
import type { CommitVerdict } from './verify-commit.js';

export const CommitPolicyCode = {
  Unsigned: 'COMMIT_UNSIGNED',
  KeyUntrusted: 'COMMIT_KEY_UNTRUSTED',
  SignatureInvalid: 'COMMIT_SIGNATURE_INVALID',
  NotDescendant: 'COMMIT_NOT_DESCENDANT',
} as const;
export type CommitPolicyCode = (typeof CommitPolicyCode)[keyof typeof CommitPolicyCode];

export interface CommitRefusal {
  code: CommitPolicyCode;
  reason: string;
}

/** Undefined for a valid signature; otherwise the code and a sentence naming the commit. */
export function refusalOf(oid: string, verdict: Exclude<CommitVerdict, { status: 'valid' }>): CommitRefusal;
export function refusalOf(oid: string, verdict: CommitVerdict): CommitRefusal | undefined;
export function refusalOf(oid: string, verdict: CommitVerdict): CommitRefusal | undefined {
  switch (verdict.status) {
    case 'valid':
      return undefined;
    case 'unsigned':
      return {
        code: CommitPolicyCode.Unsigned,
        reason: `commit ${oid} is not signed; the signed-commit policy accepts only commits signed by a trusted key`,
      };
    case 'unknown-key':
      return {
        code: CommitPolicyCode.KeyUntrusted,
        reason: `commit ${oid} is signed by key ${verdict.keyIds.join(', ') || '(no key id)'}, which is not in the trust set`,
      };
    case 'bad-signature':
      return {
        code: CommitPolicyCode.SignatureInvalid,
        reason: `commit ${oid} has a signature that does not verify (tampered or corrupt): ${verdict.reason}`,
      };
  }
}

/** The refusal of a commit that does not descend from the one already accepted (a rewritten history). */
export function notDescendantRefusal(oid: string, accepted: string, detail?: string): CommitRefusal {
  return {
    code: CommitPolicyCode.NotDescendant,
    reason: `commit ${oid} does not descend from ${accepted}, the commit already accepted (history rewritten or force-pushed to an older commit)${detail ? `: ${detail}` : ''}`,
  };
}

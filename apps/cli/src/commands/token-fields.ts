/** Registration-token fields shared by the `tokens` commands. */
export const TOKEN_FIELDS =
  'id name tags maxUses usedCount expiresAt revokedAt createdAt createdBy clusterName requireApproval';

export interface TokenView {
  id: string;
  name: string;
  tags: string[];
  maxUses: number;
  usedCount: number;
  expiresAt: string;
  revokedAt: string | null;
  createdAt: string;
  createdBy: string;
  clusterName: string | null;
  requireApproval: boolean;
}

export function tokenState(t: TokenView, now = Date.now()): string {
  if (t.revokedAt) return 'revoked';
  if (Date.parse(t.expiresAt) <= now) return 'expired';
  if (t.usedCount >= t.maxUses) return 'used-up';
  return 'active';
}

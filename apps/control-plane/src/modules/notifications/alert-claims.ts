import type { DataSource } from 'typeorm';

/**
 * Per cluster and alert kind, the key of what it was last alerted for, in PostgreSQL
 * (`alert_claims`), so that replicas agree on "already alerted". `claim` is one upsert that
 * returns true only to the first caller for a new key: two replicas claiming the same key at
 * once serialize on the row and the second sees the key already there.
 */
export class AlertClaims {
  constructor(private readonly db: DataSource) {}

  /** True when this key is new for the cluster's kind (the caller alerts); false when it was claimed already. */
  async claim(clusterId: string, kind: string, key: string): Promise<boolean> {
    const rows = (await this.db.query(
      `INSERT INTO alert_claims AS a (cluster_id, kind, key) VALUES ($1, $2, $3)
       ON CONFLICT (cluster_id, kind) DO UPDATE SET key = EXCLUDED.key, claimed_at = now()
         WHERE a.key <> EXCLUDED.key
       RETURNING 1`,
      [clusterId, kind, key],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Forgets the cluster's claim of this kind: the next claim alerts again. */
  async release(clusterId: string, kind: string): Promise<void> {
    await this.db.query(`DELETE FROM alert_claims WHERE cluster_id = $1 AND kind = $2`, [clusterId, kind]);
  }
}

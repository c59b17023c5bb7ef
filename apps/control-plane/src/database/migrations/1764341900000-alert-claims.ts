import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which alert each cluster was last alerted for, per kind, shared by every control-plane
 * replica: a failing cluster alerts once per distinct failure (until it stops failing), a
 * cluster going offline once per offline episode, whichever replica saw it first.
 */
export class AlertClaims1764341900000 implements MigrationInterface {
  name = 'AlertClaims1764341900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_claims (
        cluster_id uuid NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        kind text NOT NULL,
        key text NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (cluster_id, kind)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE alert_claims`);
  }
}

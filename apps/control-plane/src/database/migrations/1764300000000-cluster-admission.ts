import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agent identity over its life: a cluster's admission (Active / AwaitingApproval / Suspended),
 * when its NATS credentials were last revoked, and the last renewal it signed; registration
 * tokens that require approval or are bound to one cluster name.
 */
export class ClusterAdmission1764300000000 implements MigrationInterface {
  name = 'ClusterAdmission1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters
      ADD COLUMN admission text NOT NULL DEFAULT 'Active' CHECK (admission IN ('Active', 'AwaitingApproval', 'Suspended')),
      ADD COLUMN credentials_revoked_at timestamptz,
      ADD COLUMN credential_expires_at timestamptz,
      ADD COLUMN last_renewal_signed_at timestamptz,
      ADD COLUMN approved_at timestamptz,
      ADD COLUMN approved_by text`);
    await q.query(`UPDATE clusters SET credentials_revoked_at = deregistered_at WHERE deregistered_at IS NOT NULL`);
    await q.query(`ALTER TABLE registration_tokens
      ADD COLUMN require_approval boolean NOT NULL DEFAULT false,
      ADD COLUMN cluster_name text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE registration_tokens DROP COLUMN cluster_name, DROP COLUMN require_approval`);
    await q.query(`ALTER TABLE clusters DROP COLUMN approved_by, DROP COLUMN approved_at, DROP COLUMN last_renewal_signed_at,
      DROP COLUMN credential_expires_at, DROP COLUMN credentials_revoked_at, DROP COLUMN admission`);
  }
}

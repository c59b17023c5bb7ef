import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rollouts. A rollout's whole machine state (waves, clusters, timestamps) is one JSONB document
 * written atomically with its phase, so a crash can never leave half a wave transition; the
 * rollout_clusters rows mirror which rollout owns which cluster (for queries and the "no cluster
 * pinned to a revision no rollout owns" check).
 */
export class Rollouts1764290500000 implements MigrationInterface {
  name = 'Rollouts1764290500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rollouts (
        id uuid PRIMARY KEY,
        revision text NOT NULL CHECK (revision ~ '^[0-9a-f]{40}$'),
        phase text NOT NULL,
        trigger text NOT NULL,
        actor_id text NOT NULL,
        actor_name text NOT NULL,
        on_failure text NOT NULL,
        state jsonb NOT NULL,
        reason text,
        policy_error jsonb,
        rollback_revision text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX rollouts_active_idx ON rollouts (phase) WHERE phase IN ('Running', 'Paused', 'RollingBack')`,
    );
    await q.query(`CREATE INDEX rollouts_created_idx ON rollouts (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX rollouts_revision_idx ON rollouts (revision)`);
    await q.query(`
      CREATE TABLE rollout_clusters (
        rollout_id uuid NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
        cluster_id uuid NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        wave text NOT NULL,
        PRIMARY KEY (rollout_id, cluster_id)
      )`);
    await q.query(`CREATE INDEX rollout_clusters_cluster_idx ON rollout_clusters (cluster_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rollout_clusters`);
    await q.query(`DROP TABLE rollouts`);
  }
}

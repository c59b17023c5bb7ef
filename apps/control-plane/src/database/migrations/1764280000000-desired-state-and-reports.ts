import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Desired state per cluster (path, prune, self-heal, desired revision) and what agents report:
 * sync results (history; the latest per cluster is the highest seq), the latest state of every
 * object, and drift events. (cluster_id, seq) is unique, so a replayed report is stored once.
 */
export class DesiredStateAndReports1764280000000 implements MigrationInterface {
  name = 'DesiredStateAndReports1764280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE clusters
        ADD COLUMN sync_path text,
        ADD COLUMN prune boolean NOT NULL DEFAULT true,
        ADD COLUMN self_heal boolean NOT NULL DEFAULT true,
        ADD COLUMN desired_revision text CHECK (desired_revision ~ '^[0-9a-f]{40}$'),
        ADD COLUMN desired_updated_at timestamptz`);
    await q.query(`
      CREATE TABLE sync_results (
        id bigserial PRIMARY KEY,
        cluster_id uuid NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        revision text NOT NULL,
        applied_revision text,
        state text NOT NULL,
        health text NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        error jsonb,
        source_available boolean NOT NULL,
        object_counts jsonb NOT NULL DEFAULT '{}'::jsonb,
        received_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (cluster_id, seq)
      )`);
    await q.query(`
      CREATE TABLE cluster_objects (
        cluster_id uuid NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        api_group text NOT NULL,
        kind text NOT NULL,
        namespace text NOT NULL,
        name text NOT NULL,
        api_version text NOT NULL,
        action text NOT NULL,
        health text NOT NULL,
        message text,
        revision text NOT NULL,
        seq bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (cluster_id, api_group, kind, namespace, name)
      )`);
    await q.query(`
      CREATE TABLE drift_events (
        id bigserial PRIMARY KEY,
        cluster_id uuid NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        revision text NOT NULL,
        api_version text NOT NULL,
        kind text NOT NULL,
        namespace text NOT NULL,
        name text NOT NULL,
        fields text[] NOT NULL,
        managers text[] NOT NULL,
        detected_at timestamptz NOT NULL,
        resolution text NOT NULL,
        reverted_at timestamptz,
        revert_latency_ms integer,
        message text,
        received_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (cluster_id, seq)
      )`);
    await q.query(`CREATE INDEX drift_events_detected_idx ON drift_events (detected_at DESC, id DESC)`);
    await q.query(`CREATE INDEX drift_events_cluster_idx ON drift_events (cluster_id, detected_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE drift_events`);
    await q.query(`DROP TABLE cluster_objects`);
    await q.query(`DROP TABLE sync_results`);
    await q.query(
      `ALTER TABLE clusters DROP COLUMN sync_path, DROP COLUMN prune, DROP COLUMN self_heal, DROP COLUMN desired_revision, DROP COLUMN desired_updated_at`,
    );
  }
}

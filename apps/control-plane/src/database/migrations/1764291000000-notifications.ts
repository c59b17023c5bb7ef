import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Alert targets (URL and secret encrypted at rest) and one row per alert delivery, with retry state. */
export class Notifications1764291000000 implements MigrationInterface {
  name = 'Notifications1764291000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_targets (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('webhook', 'slack')),
        host text NOT NULL,
        url_enc bytea NOT NULL,
        secret_enc bytea,
        events text[] NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE notification_deliveries (
        id bigserial PRIMARY KEY,
        target_id uuid NOT NULL REFERENCES notification_targets(id) ON DELETE CASCADE,
        event text NOT NULL,
        incident_key text NOT NULL,
        summary text NOT NULL,
        cluster_names text[] NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at) WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notification_deliveries`);
    await q.query(`DROP TABLE notification_targets`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agent messages ingest gave up on: refused by their schema, refused by the database, or still
 * failing on their last delivery. Kept (payload up to 64 KiB as bytes, its real size beside it)
 * so an admin can see what was dropped and why; cluster_id has no foreign key, since a dead
 * letter may name a cluster that does not exist.
 */
export class DeadLetters1764320000000 implements MigrationInterface {
  name = 'DeadLetters1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dead_letters (
        id bigserial PRIMARY KEY,
        subject text NOT NULL,
        cluster_id uuid,
        reason text NOT NULL,
        detail text NOT NULL,
        payload bytea NOT NULL,
        payload_bytes integer NOT NULL,
        deliveries integer NOT NULL,
        received_at timestamptz NOT NULL,
        dead_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE dead_letters`);
  }
}

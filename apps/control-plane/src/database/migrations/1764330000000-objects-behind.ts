import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many objects of a sync report its agent judged at a status.observedGeneration below their
 * metadata.generation: a Healthy report with any such object is not accepted as Healthy at its
 * revision (the hub's half of issue 14's health rule). Reports stored before count 0.
 */
export class ObjectsBehind1764330000000 implements MigrationInterface {
  name = 'ObjectsBehind1764330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_results ADD COLUMN objects_behind integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_results DROP COLUMN objects_behind`);
  }
}

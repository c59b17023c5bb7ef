/**
 * nats-server.conf for decentralized JWT auth (nats-server 2.9): operator JWT, system account,
 * and a MEMORY resolver preloaded with both account JWTs. Never an `accounts {}` block, and an
 * `authorization {}` block only ever holds `timeout` (the one place nats-server reads the auth
 * timeout from): users or tokens there, next to `accounts {}`, let anonymous clients in on servers
 * before 2.9.23.
 */
import { encodeAccount, encodeOperator } from '@nats-io/jwt';
import { keyPairFromSeed, systemAccountPublicKey, accountPublicKey, type NatsTrust } from './trust.js';

/** Revoked users: user public key → unix seconds; that user's JWTs issued at or before it are refused. */
export type Revocations = Record<string, number>;

export interface NatsServerConfigOptions {
  port: number;
  host?: string;
  /** JetStream store directory. */
  storeDir: string;
  /** Monitoring port (serves /healthz, /varz); off when omitted. */
  httpPort?: number;
  /** Users to refuse from the start (keep revocations across server restarts). */
  revocations?: Revocations;
  /**
   * Seconds a client has to send CONNECT after the server's INFO (nats-server's default is 2, which a
   * busy machine can miss). Written as `authorization { timeout: N }`; omitted, the server's default.
   */
  authTimeoutSeconds?: number;
  /** Unique name of this server; JetStream in a cluster needs one per server. */
  serverName?: string;
  /** Join a cluster: this server's route port and the other servers' route URLs. */
  cluster?: NatsClusterOptions;
  /**
   * Accept leaf nodes (edge sites) on this port. They authenticate like clients, with a user JWT of
   * the operator's accounts (mintLeafCredentials), whose permissions bound what crosses the link.
   */
  leafnodes?: {
    port: number;
    /**
     * `host:port` leaf nodes should dial to reach this server (its public address or a load
     * balancer). The cluster tells connected leaf nodes every server's address, and they dial
     * those on reconnect: without it, the listen address.
     */
    advertise?: string;
  };
}

export interface NatsClusterOptions {
  /** Cluster name, the same on every server of it. */
  name: string;
  /** Route port of this server. */
  port: number;
  /** `host:port` of the other servers' route ports. */
  routes: string[];
  /**
   * Route credentials, the same on every server: a route connection is trusted with every
   * account's traffic, so without them anyone reaching the route port could join.
   */
  routeUser: string;
  routePassword: string;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

function clusterLines(c: NatsClusterOptions, host: string): string[] {
  if (!NAME.test(c.name)) throw new Error(`invalid NATS cluster name: ${JSON.stringify(c.name)}`);
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535) throw new Error(`invalid NATS route port: ${c.port}`);
  for (const r of c.routes)
    if (!HOST_PORT.test(r)) throw new Error(`invalid NATS route ${JSON.stringify(r)}: host:port`);
  if (!NAME.test(c.routeUser)) throw new Error('invalid NATS route user: letters, digits, _ and - only');
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(c.routePassword))
    throw new Error('invalid NATS route password: 16 to 128 letters, digits, _ and -');
  const auth = `${c.routeUser}:${c.routePassword}`;
  return [
    'cluster {',
    `  name: ${q(c.name)}`,
    `  host: ${q(host)}`,
    `  port: ${c.port}`,
    `  authorization { user: ${q(c.routeUser)}, password: ${q(c.routePassword)} }`,
    `  routes: [${c.routes.map((r) => q(`nats-route://${auth}@${r}`)).join(', ')}]`,
    '}',
  ];
}

/** The most a client may take to authenticate: longer gives idle sockets too much room. */
export const MAX_AUTH_TIMEOUT_SECONDS = 120;

/**
 * Account limits. They must be explicit: an account JWT without `limits` allows zero
 * connections (the client only sees a connect timeout). -1 is unlimited; JetStream is on
 * because mem/disk storage are not zero.
 */
const ACCOUNT_LIMITS = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
  mem_storage: -1,
  disk_storage: -1,
  streams: -1,
  consumer: -1,
};

/** The system account gets connections but no JetStream. */
const SYSTEM_LIMITS = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
};

export async function operatorJwt(trust: Pick<NatsTrust, 'operatorSeed' | 'systemAccountSeed'>): Promise<string> {
  const operator = keyPairFromSeed(trust.operatorSeed, 'operator');
  return encodeOperator('flotilla', operator, { system_account: systemAccountPublicKey(trust) });
}

/** The Flotilla account JWT, signed by the operator: explicit limits, JetStream on, revocations. */
export async function flotillaAccountJwt(
  trust: Pick<NatsTrust, 'operatorSeed' | 'accountSeed'>,
  revocations: Revocations = {},
): Promise<string> {
  for (const [key, at] of Object.entries(revocations)) {
    if (!/^U[A-Z2-7]{55}$/.test(key))
      throw new Error(`revocations: ${JSON.stringify(key)} is not a NATS user public key`);
    if (!Number.isInteger(at) || at <= 0)
      throw new Error(`revocations: the time for ${key} must be unix seconds, got ${at}`);
  }
  return encodeAccount(
    'FLOTILLA',
    keyPairFromSeed(trust.accountSeed, 'account').getPublicKey(),
    { limits: ACCOUNT_LIMITS, ...(Object.keys(revocations).length ? { revocations: { ...revocations } } : {}) },
    { signer: keyPairFromSeed(trust.operatorSeed, 'operator') },
  );
}

export async function accountJwts(
  trust: NatsTrust,
  revocations: Revocations = {},
): Promise<{ account: string; system: string }> {
  const operator = keyPairFromSeed(trust.operatorSeed, 'operator');
  const account = await flotillaAccountJwt(trust, revocations);
  const system = await encodeAccount(
    'SYS',
    keyPairFromSeed(trust.systemAccountSeed, 'account').getPublicKey(),
    { limits: SYSTEM_LIMITS },
    { signer: operator },
  );
  return { account, system };
}

/** Quotes a string for nats-server.conf (JSON string syntax is accepted). */
const q = (s: string) => JSON.stringify(s);

export async function natsServerConfig(trust: NatsTrust, opts: NatsServerConfigOptions): Promise<string> {
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)
    throw new Error(`invalid NATS port: ${opts.port}`);
  if (!opts.storeDir) throw new Error('natsServerConfig needs a storeDir for JetStream');
  const authTimeout = opts.authTimeoutSeconds;
  if (
    authTimeout !== undefined &&
    !(Number.isFinite(authTimeout) && authTimeout > 0 && authTimeout <= MAX_AUTH_TIMEOUT_SECONDS)
  )
    throw new Error(
      `invalid NATS authTimeoutSeconds: ${authTimeout} (a number of seconds above 0 and at most ${MAX_AUTH_TIMEOUT_SECONDS})`,
    );
  if (opts.serverName !== undefined && !NAME.test(opts.serverName))
    throw new Error(`invalid NATS server name: ${JSON.stringify(opts.serverName)}`);
  const leafPort = opts.leafnodes?.port;
  if (leafPort !== undefined && !(Number.isInteger(leafPort) && leafPort >= 0 && leafPort <= 65535))
    throw new Error(`invalid NATS leafnode port: ${leafPort}`);
  if (opts.leafnodes?.advertise !== undefined && !HOST_PORT.test(opts.leafnodes.advertise))
    throw new Error(`invalid NATS leafnode advertise address ${JSON.stringify(opts.leafnodes.advertise)}: host:port`);
  if (opts.cluster && opts.serverName === undefined) throw new Error('a clustered NATS server needs a serverName');
  const jwts = await accountJwts(trust, opts.revocations);
  const lines = [
    '# Generated by @flotilla/nats-auth: decentralized JWT auth, JetStream on.',
    `host: ${q(opts.host ?? '127.0.0.1')}`,
    `port: ${opts.port}`,
    ...(opts.httpPort !== undefined ? [`http_port: ${opts.httpPort}`] : []),
    ...(opts.serverName !== undefined ? [`server_name: ${q(opts.serverName)}`] : []),
    ...(opts.cluster ? clusterLines(opts.cluster, opts.host ?? '127.0.0.1') : []),
    ...(opts.leafnodes
      ? [
          `leafnodes { host: ${q(opts.host ?? '127.0.0.1')}, port: ${opts.leafnodes.port}${
            opts.leafnodes.advertise !== undefined ? `, advertise: ${q(opts.leafnodes.advertise)}` : ''
          } }`,
        ]
      : []),
    // nats-server denies $KV.> (and the JetStream API) on every leaf link of a non-system account
    // unless the account's JetStream is declared the default domain: desired-state updates (KV puts)
    // could not reach agents at a leaf. The leaf users' own permissions still bound what crosses.
    ...(opts.leafnodes ? [`default_js_domain: { ${accountPublicKey(trust)}: "" }`] : []),
    `jetstream: { store_dir: ${q(opts.storeDir)} }`,
    ...(authTimeout !== undefined ? [`authorization { timeout: ${authTimeout} }`] : []),
    `operator: ${q(await operatorJwt(trust))}`,
    `system_account: ${q(systemAccountPublicKey(trust))}`,
    'resolver: MEMORY',
    'resolver_preload: {',
    `  ${accountPublicKey(trust)}: ${q(jwts.account)}`,
    `  ${systemAccountPublicKey(trust)}: ${q(jwts.system)}`,
    '}',
    '',
  ];
  return lines.join('\n');
}

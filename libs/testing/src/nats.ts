/**
 * A real nats-server in decentralized JWT mode with JetStream, on free ports and a temp store,
 * for tests. Restartable on the same port and store; disposed with `await using`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as natsConnect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import {
  createNatsTrust,
  createUser,
  credsAuthenticator,
  mintUserJwt,
  natsServerConfig,
  type NatsTrust,
  type Revocations,
} from '@flotilla/nats-auth';
import { hubPermissions, subjects, type NatsPermissions } from '@flotilla/protocol';
import { freePort, startNatsServer, type NatsServerProcess } from '@flotilla/local-infra';
import { scaled } from './slowdown.js';

/**
 * nats-server's 2 s default for a client to authenticate is missed on a busy machine (the client
 * only sees a connect timeout); the tests' servers give clients this long instead.
 */
export const TEST_AUTH_TIMEOUT_SECONDS = 20;

export interface NatsCreds {
  jwt: string;
  seed: string;
  publicKey: string;
  /** Inbox prefix this user may subscribe to; `connect` uses it. */
  inboxPrefix?: string;
}

export interface TestNats {
  url: string;
  port: number;
  /** Monitoring endpoint (e.g. `${monitorUrl}/connz` lists connections by client name). */
  monitorUrl: string;
  trust: NatsTrust;
  /** A user with hubPermissions() and the hub inbox prefix. */
  hub: NatsCreds;
  /** Mints a user with exactly these permissions. */
  userFor(
    permissions: NatsPermissions,
    opts?: { name?: string; inboxPrefix?: string; expiresInSeconds?: number },
  ): Promise<NatsCreds>;
  /** Connects as `creds` (with its inbox prefix); extra options override. */
  connect(creds: NatsCreds, opts?: Partial<NodeConnectionOptions>): Promise<NatsConnection>;
  /** Stops the server (keeps port and store). */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A user of the Flotilla account with exactly these permissions. */
export async function mintTestUser(
  trust: NatsTrust,
  permissions: NatsPermissions,
  o: { name?: string; inboxPrefix?: string; expiresInSeconds?: number } = {},
): Promise<NatsCreds> {
  const user = createUser();
  const jwt = await mintUserJwt(trust, {
    publicKey: user.publicKey,
    name: o.name ?? 'test-user',
    permissions,
    ...(o.expiresInSeconds !== undefined ? { expiresInSeconds: o.expiresInSeconds } : {}),
  });
  return {
    jwt,
    seed: user.seed,
    publicKey: user.publicKey,
    ...(o.inboxPrefix ? { inboxPrefix: o.inboxPrefix } : {}),
  };
}

export async function startNats(opts: { trust?: NatsTrust; revocations?: Revocations } = {}): Promise<TestNats> {
  const trust = opts.trust ?? (await createNatsTrust());
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-nats-'));
  const confPath = join(dir, 'nats-server.conf');
  let proc: NatsServerProcess | undefined;
  let port = 0;
  let httpPort = 0;
  let url = '';
  let hub: NatsCreds | undefined;

  const userFor: TestNats['userFor'] = (permissions, o = {}) => mintTestUser(trust, permissions, o);
  const start = async () => {
    const child = proc?.process.child;
    if (child && child.exitCode === null && child.signalCode === null) return;
    hub ??= await userFor(hubPermissions(), { name: 'hub', inboxPrefix: subjects.hubInboxPrefix });
    proc = await startNatsServer({ confPath, httpPort, readyCheck: { url, ...hub }, timeoutMs: scaled(10_000) });
  };
  const stop = async () => {
    await proc?.stop();
  };

  // A free port can be taken by someone else before nats-server binds it: try fresh ports.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    httpPort = await freePort();
    url = `nats://127.0.0.1:${port}`;
    const storeDir = join(dir, 'jetstream');
    await writeFile(
      confPath,
      await natsServerConfig(trust, {
        port,
        httpPort,
        storeDir,
        revocations: opts.revocations,
        authTimeoutSeconds: TEST_AUTH_TIMEOUT_SECONDS,
      }),
      { mode: 0o600 },
    );
    try {
      await start();
      break;
    } catch (error) {
      await stop();
      if (attempt < 3) continue;
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
  return {
    url,
    port,
    monitorUrl: `http://127.0.0.1:${httpPort}`,
    trust,
    hub: hub!,
    userFor,
    connect: (creds, o = {}) =>
      natsConnect({
        servers: url,
        authenticator: credsAuthenticator(creds.jwt, creds.seed),
        ...(creds.inboxPrefix ? { inboxPrefix: creds.inboxPrefix } : {}),
        ...o,
      }),
    stop,
    start,
    async [Symbol.asyncDispose]() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

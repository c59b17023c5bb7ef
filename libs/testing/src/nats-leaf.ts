/**
 * A real nats-server as a leaf node of a test cluster (startNatsCluster with `leafnodes: true`):
 * an edge site. It trusts the same operator, runs no JetStream, and reaches the hub cluster with
 * two remotes: the Flotilla account as a user allowed only the site's clusters' subjects, and the
 * system account (so the hub's revocations reach it). Give `remoteUrls` to route the links
 * through something you can cut (startTcpProxy).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as natsConnect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { credsAuthenticator, mintLeafCredentials, natsLeafConfig, type Revocations } from '@flotilla/nats-auth';
import { freePort, startNatsServer, type NatsServerProcess } from '@flotilla/local-infra';
import { scaled } from './slowdown.js';
import { TEST_AUTH_TIMEOUT_SECONDS, type NatsCreds } from './nats.js';
import type { TestNatsCluster } from './nats-cluster.js';

export interface TestNatsLeaf {
  /** Client URL agents at the site connect to. */
  url: string;
  port: number;
  monitorUrl: string;
  connect(creds: NatsCreds, opts?: Partial<NodeConnectionOptions>): Promise<NatsConnection>;
  /** How many leaf connections (remotes) to the hub cluster are up right now (from /leafz). */
  linksUp(): Promise<number>;
  /** The last lines nats-server logged (with `trace: true`, every protocol message). */
  log(): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StartNatsLeafOptions {
  cluster: TestNatsCluster;
  /** The clusters at this site: the only ones whose subjects cross the link. */
  clusterIds: string[];
  site?: string;
  /** Where the remotes dial (default: every node's leafnode URL). */
  remoteUrls?: string[];
  /** Client port (default: a free one). */
  port?: number;
  revocations?: Revocations;
  trace?: boolean;
}

export async function startNatsLeaf(opts: StartNatsLeafOptions): Promise<TestNatsLeaf> {
  const remoteUrls = opts.remoteUrls ?? opts.cluster.leafUrls;
  if (remoteUrls.length === 0) throw new Error('startNatsLeaf: start the cluster with leafnodes: true');
  const site = opts.site ?? 'edge';
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-nats-leaf-'));
  const port = opts.port ?? (await freePort());
  const httpPort = await freePort();
  const creds = await mintLeafCredentials(opts.cluster.trust, { site, clusterIds: opts.clusterIds });
  const flotillaCreds = join(dir, 'leaf.creds');
  const systemCreds = join(dir, 'leaf-system.creds');
  const confPath = join(dir, 'leaf.conf');
  await writeFile(flotillaCreds, creds.flotilla, { mode: 0o600 });
  await writeFile(systemCreds, creds.system, { mode: 0o600 });
  await writeFile(
    confPath,
    await natsLeafConfig(opts.cluster.trust, {
      port,
      httpPort,
      serverName: `leaf-${site}`,
      authTimeoutSeconds: TEST_AUTH_TIMEOUT_SECONDS,
      revocations: opts.revocations,
      reconnectSeconds: 1,
      trace: opts.trace === true,
      remotes: [
        { urls: remoteUrls, credentialsPath: flotillaCreds, account: 'flotilla' },
        { urls: remoteUrls, credentialsPath: systemCreds, account: 'system' },
      ],
    }),
    { mode: 0o600 },
  );
  const url = `nats://127.0.0.1:${port}`;
  const monitorUrl = `http://127.0.0.1:${httpPort}`;
  let proc: NatsServerProcess | undefined;
  const running = () => {
    const child = proc?.process.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  const linksUp = async () => {
    const res = await fetch(`${monitorUrl}/leafz`, { signal: AbortSignal.timeout(2000) });
    return ((await res.json()) as { leafnodes?: number }).leafnodes ?? 0;
  };
  const leaf: TestNatsLeaf = {
    url,
    port,
    monitorUrl,
    connect: (c, o = {}) =>
      natsConnect({
        servers: url,
        authenticator: credsAuthenticator(c.jwt, c.seed),
        ...(c.inboxPrefix ? { inboxPrefix: c.inboxPrefix } : {}),
        ...o,
      }),
    linksUp,
    log: () => proc?.process.logTail() ?? '',
    async start() {
      if (running()) return;
      proc = await startNatsServer({ confPath, httpPort, timeoutMs: scaled(15_000) });
    },
    async stop() {
      await proc?.stop();
    },
    async [Symbol.asyncDispose]() {
      await proc?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await leaf.start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return leaf;
}

/**
 * Three (or more) real nats-server processes in one cluster (routes with credentials), JWT mode,
 * clustered JetStream, on free ports and temp stores, for tests: every node can be killed with
 * SIGKILL and started again on the same ports and store.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { createNatsTrust, credsAuthenticator, natsServerConfig, type NatsTrust } from '@flotilla/nats-auth';
import { hubPermissions, subjects } from '@flotilla/protocol';
import { freePort, startNatsServer, type NatsServerProcess } from '@flotilla/local-infra';
import { scaled } from './slowdown.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { TEST_AUTH_TIMEOUT_SECONDS, mintTestUser, type NatsCreds, type TestNats } from './nats.js';

export interface TestNatsNode {
  name: string;
  url: string;
  monitorUrl: string;
  /** kill -9: no goodbye to clients or routes, JetStream state as it was on disk. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and store. */
  start(): Promise<void>;
  running(): boolean;
}

export interface TestNatsCluster extends Omit<TestNats, 'port' | 'monitorUrl' | 'stop' | 'start'> {
  /** Every node's client URL, comma-separated (what NATS_URL takes). */
  url: string;
  nodes: TestNatsNode[];
  /**
   * Where leaf nodes dial each node (`nats-leaf://127.0.0.1:port`), when started with `leafnodes: true`:
   * a TCP proxy in front of each node's leafnode listener, which the nodes also advertise.
   */
  leafUrls: string[];
  /** Cuts (and restores) every leaf node's link to the cluster: a real partition (see startTcpProxy). */
  leafLinks: { cut(): void; restore(): void };
  /** Waits until JetStream answers (a meta leader is elected) through any running node. */
  jetStreamReady(): Promise<void>;
}

export async function startNatsCluster(
  opts: {
    size?: number;
    trust?: NatsTrust;
    /** Each node also accepts leaf nodes (startNatsLeaf). */ leafnodes?: boolean;
  } = {},
): Promise<TestNatsCluster> {
  const size = opts.size ?? 3;
  const trust = opts.trust ?? (await createNatsTrust());
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-nats-cluster-'));
  const routeUser = 'route';
  const routePassword = randomBytes(18).toString('base64url');
  const ports = await Promise.all(
    Array.from({ length: size }, async () => ({
      client: await freePort(),
      http: await freePort(),
      route: await freePort(),
      leaf: opts.leafnodes ? await freePort() : undefined,
    })),
  );
  // Leaf nodes reach the nodes only through proxies (the nodes advertise the proxies' addresses, so
  // a leaf that reconnects to an address it was told about still goes through one).
  const leafProxies: TcpProxy[] = [];
  for (const p of ports)
    if (p.leaf !== undefined) leafProxies.push(await startTcpProxy({ target: { host: '127.0.0.1', port: p.leaf } }));
  const hub = await mintTestUser(trust, hubPermissions(), { name: 'hub', inboxPrefix: subjects.hubInboxPrefix });
  const procs: (NatsServerProcess | undefined)[] = [];
  const nodes: TestNatsNode[] = [];
  const urls = ports.map((p) => `nats://127.0.0.1:${p.client}`);

  for (const [i, p] of ports.entries()) {
    const name = `n${i + 1}`;
    const confPath = join(dir, `${name}.conf`);
    await writeFile(
      confPath,
      await natsServerConfig(trust, {
        port: p.client,
        httpPort: p.http,
        storeDir: join(dir, name),
        serverName: name,
        authTimeoutSeconds: TEST_AUTH_TIMEOUT_SECONDS,
        cluster: {
          name: 'flotilla-test',
          port: p.route,
          routes: ports.filter((_, j) => j !== i).map((o) => `127.0.0.1:${o.route}`),
          routeUser,
          routePassword,
        },
        ...(p.leaf !== undefined ? { leafnodes: { port: p.leaf, advertise: leafProxies[i]!.address } } : {}),
      }),
      { mode: 0o600 },
    );
    const running = () => {
      const child = procs[i]?.process.child;
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    };
    nodes.push({
      name,
      url: urls[i]!,
      monitorUrl: `http://127.0.0.1:${p.http}`,
      running,
      async kill() {
        const proc = procs[i];
        if (!proc || !running()) return;
        proc.process.child.kill('SIGKILL');
        await proc.process.exited;
      },
      async start() {
        if (running()) return;
        procs[i] = await startNatsServer({ confPath, httpPort: p.http, timeoutMs: scaled(15_000) });
      },
    });
  }

  const connect = (creds: NatsCreds, o: Partial<NodeConnectionOptions> = {}): Promise<NatsConnection> =>
    natsConnect({
      servers: urls,
      authenticator: credsAuthenticator(creds.jwt, creds.seed),
      ...(creds.inboxPrefix ? { inboxPrefix: creds.inboxPrefix } : {}),
      ...o,
    });

  const jetStreamReady = async () => {
    const nc = await connect(hub, { maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    try {
      const deadline = Date.now() + scaled(30_000);
      for (;;) {
        try {
          await (await jetstreamManager(nc, { timeout: 1000 })).getAccountInfo();
          return;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`clustered JetStream did not answer: ${(error as Error).message}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } finally {
      await nc.close();
    }
  };

  const dispose = async () => {
    await Promise.all(procs.map((p) => p?.stop()));
    await Promise.all(leafProxies.map((p) => p.close()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await jetStreamReady();
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    url: urls.join(','),
    leafUrls: leafProxies.map((p) => `nats-leaf://${p.address}`),
    leafLinks: {
      cut: () => leafProxies.forEach((p) => p.cut()),
      restore: () => leafProxies.forEach((p) => p.restore()),
    },
    nodes,
    trust,
    hub,
    userFor: (permissions, o = {}) => mintTestUser(trust, permissions, o),
    connect,
    jetStreamReady,
    [Symbol.asyncDispose]: dispose,
  };
}

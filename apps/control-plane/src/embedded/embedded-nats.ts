/**
 * The embedded default's nats-server: a child process in decentralized JWT mode with JetStream,
 * data under .flotilla/nats, on a fixed port so agents' stored credentials keep working across
 * restarts. Mints the control plane's own least-privilege user on every start.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createUser, mintUserJwt, natsServerConfig, systemUserCreds, type NatsTrust } from '@flotilla/nats-auth';
import { startLocalNatsCluster, startNatsServer } from '@flotilla/local-infra';
import { hubPermissions, subjects } from '@flotilla/protocol';

export interface EmbeddedNats {
  /** Every server's client URL, comma-separated. */
  url: string;
  /** How many servers run (1, or a cluster of 3). */
  nodes: number;
  hub: { jwt: string; seed: string };
  system: { jwt: string; seed: string };
  stop(): Promise<void>;
}

export async function startEmbeddedNats(opts: {
  dir: string;
  trust: NatsTrust;
  port: number;
  httpPort: number;
  /**
   * 1 (default) or 3: a cluster on ports port..port+2 (monitoring httpPort..httpPort+2, routes
   * port+2000..port+2002), JetStream replicated on all three.
   */
  nodes?: number;
}): Promise<EmbeddedNats> {
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const nodes = opts.nodes ?? 1;
  if (nodes !== 1 && nodes !== 3) throw new Error(`FLOTILLA_NATS_NODES must be 1 or 3, got ${nodes}`);
  const hub = await hubUser(opts.trust);
  const system = await systemUserCreds(opts.trust);
  if (nodes === 3) {
    const cluster = await startLocalNatsCluster({
      dir: join(opts.dir, 'cluster'),
      trust: opts.trust,
      nodes: [0, 1, 2].map((i) => ({
        port: opts.port + i,
        httpPort: opts.httpPort + i,
        routePort: opts.port + 2000 + i,
      })),
      authTimeoutSeconds: 10,
      ownProcessGroup: true,
      readyCheck: { ...hub, inboxPrefix: subjects.hubInboxPrefix },
    });
    return {
      url: cluster.urls.join(','),
      nodes,
      hub,
      system: { jwt: system.jwt, seed: system.seed },
      stop: cluster.stop,
    };
  }
  const confPath = join(opts.dir, 'nats-server.conf');
  const config = await natsServerConfig(opts.trust, {
    port: opts.port,
    httpPort: opts.httpPort,
    storeDir: join(opts.dir, 'jetstream'),
    // nats-server's 2 s default is missed by clients on a busy laptop; they would see a connect timeout.
    authTimeoutSeconds: 10,
  });
  writeFileSync(confPath, config, { mode: 0o600 });
  const url = `nats://127.0.0.1:${opts.port}`;
  const server = await startNatsServer({
    confPath,
    httpPort: opts.httpPort,
    ownProcessGroup: true, // Ctrl-C reaches main.ts only, which stops NATS after the control plane and agents
    readyCheck: { url, ...hub, inboxPrefix: subjects.hubInboxPrefix },
  });
  return { url, nodes, hub, system: { jwt: system.jwt, seed: system.seed }, stop: () => server.stop() };
}

/** The control plane's own least-privilege user, minted on every start. */
async function hubUser(trust: NatsTrust): Promise<{ jwt: string; seed: string }> {
  const user = createUser();
  return {
    jwt: await mintUserJwt(trust, { publicKey: user.publicKey, name: 'control-plane', permissions: hubPermissions() }),
    seed: user.seed,
  };
}

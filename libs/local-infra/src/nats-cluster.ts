/**
 * A NATS cluster on one machine: N nats-server child processes in JWT mode, joined by routes
 * (a fresh route password per start), clustered JetStream, each with its own store under `dir`.
 * What `npm start` runs with FLOTILLA_NATS_NODES=3; tests use libs/testing's startNatsCluster.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { credsAuthenticator, natsServerConfig, type NatsTrust } from '@flotilla/nats-auth';
import { startNatsServer, type NatsServerProcess } from './nats-server.js';

export interface LocalNatsNode {
  port: number;
  httpPort: number;
  routePort: number;
}

export interface LocalNatsCluster {
  /** Every node's client URL. */
  urls: string[];
  stop(): Promise<void>;
}

export async function startLocalNatsCluster(opts: {
  dir: string;
  trust: NatsTrust;
  nodes: LocalNatsNode[];
  authTimeoutSeconds?: number;
  ownProcessGroup?: boolean;
  /** Waits until clustered JetStream answers this user (a meta leader is elected). */
  readyCheck: { jwt: string; seed: string; inboxPrefix?: string };
  timeoutMs?: number;
}): Promise<LocalNatsCluster> {
  if (opts.nodes.length < 3) throw new Error('a NATS cluster with JetStream needs at least 3 nodes');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const routePassword = randomBytes(18).toString('base64url');
  const urls = opts.nodes.map((n) => `nats://127.0.0.1:${n.port}`);
  const servers: NatsServerProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    await Promise.all(
      opts.nodes.map(async (node, i) => {
        const name = `n${i + 1}`;
        mkdirSync(join(opts.dir, name), { recursive: true, mode: 0o700 });
        const confPath = join(opts.dir, `${name}.conf`);
        const conf = await natsServerConfig(opts.trust, {
          port: node.port,
          httpPort: node.httpPort,
          storeDir: join(opts.dir, name, 'jetstream'),
          serverName: name,
          ...(opts.authTimeoutSeconds !== undefined ? { authTimeoutSeconds: opts.authTimeoutSeconds } : {}),
          cluster: {
            name: 'flotilla-local',
            port: node.routePort,
            routes: opts.nodes.filter((o) => o !== node).map((o) => `127.0.0.1:${o.routePort}`),
            routeUser: 'route',
            routePassword,
          },
        });
        writeFileSync(confPath, conf, { mode: 0o600 });
        servers.push(
          await startNatsServer({
            confPath,
            httpPort: node.httpPort,
            timeoutMs,
            ownProcessGroup: opts.ownProcessGroup === true,
          }),
        );
      }),
    );
    const nc = await natsConnect({
      servers: urls,
      authenticator: credsAuthenticator(opts.readyCheck.jwt, opts.readyCheck.seed),
      ...(opts.readyCheck.inboxPrefix ? { inboxPrefix: opts.readyCheck.inboxPrefix } : {}),
    });
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          await (await jetstreamManager(nc, { timeout: 1000 })).getAccountInfo();
          break;
        } catch (error) {
          if (Date.now() > deadline)
            throw new Error(`clustered JetStream did not answer within ${timeoutMs} ms: ${(error as Error).message}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } finally {
      await nc.close();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls, stop };
}

/**
 * The embedded default's nats-server: a child process in decentralized JWT mode with JetStream,
 * data under .flotilla/nats, on a fixed port so agents' stored credentials keep working across
 * restarts. Mints the control plane's own least-privilege user on every start.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createUser, mintUserJwt, natsServerConfig, systemUserCreds, type NatsTrust } from '@flotilla/nats-auth';
import { startNatsServer } from '@flotilla/local-infra';
import { hubPermissions, subjects } from '@flotilla/protocol';

export interface EmbeddedNats {
  url: string;
  hub: { jwt: string; seed: string };
  system: { jwt: string; seed: string };
  stop(): Promise<void>;
}

export async function startEmbeddedNats(opts: {
  dir: string;
  trust: NatsTrust;
  port: number;
  httpPort: number;
}): Promise<EmbeddedNats> {
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
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
  const user = createUser();
  const hub = {
    jwt: await mintUserJwt(opts.trust, {
      publicKey: user.publicKey,
      name: 'control-plane',
      permissions: hubPermissions(),
    }),
    seed: user.seed,
  };
  const server = await startNatsServer({
    confPath,
    httpPort: opts.httpPort,
    ownProcessGroup: true, // Ctrl-C reaches main.ts only, which stops NATS after the control plane and agents
    readyCheck: { url, ...hub, inboxPrefix: subjects.hubInboxPrefix },
  });
  const system = await systemUserCreds(opts.trust);
  return { url, hub, system: { jwt: system.jwt, seed: system.seed }, stop: () => server.stop() };
}

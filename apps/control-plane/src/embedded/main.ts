/**
 * `npm start`: Flotilla on embedded defaults — an embedded PostgreSQL and a nats-server child
 * process (JWT mode, JetStream), both keeping their data under .flotilla/, and the control plane
 * on http://localhost:3000. Stopping and starting again keeps all data.
 */
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { startEmbeddedPostgres } from '@flotilla/local-infra';
import { createControlPlane } from '../bootstrap.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { EmbeddedHome } from './embedded-home.js';
import { startEmbeddedNats } from './embedded-nats.js';

const step = (m: string) => console.error(`[flotilla] ${m}`);

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

async function requirePort(port: number, what: string, envKey: string): Promise<void> {
  if (!(await portFree(port))) throw new Error(`port ${port} (${what}) is in use: stop what holds it, or set ${envKey} to another port`);
}

async function main(): Promise<void> {
  const home = new EmbeddedHome(resolve(process.env.FLOTILLA_HOME ?? join(process.cwd(), '.flotilla')));
  const port = Number(process.env.PORT ?? 3000);
  const natsPort = Number(process.env.FLOTILLA_NATS_PORT ?? 4223);
  const natsHttpPort = Number(process.env.FLOTILLA_NATS_MONITOR_PORT ?? 8223);
  await requirePort(port, 'control plane', 'PORT');
  await requirePort(natsPort, 'NATS', 'FLOTILLA_NATS_PORT');
  await requirePort(natsHttpPort, 'NATS monitoring', 'FLOTILLA_NATS_MONITOR_PORT');

  const secrets = await home.secrets();
  step(`data folder ${home.root}`);
  step('starting embedded PostgreSQL…');
  const pg = await startEmbeddedPostgres({ dataDir: home.postgresDir });
  const stops: (() => Promise<void>)[] = [() => pg.stop()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => step(`while stopping: ${(e as Error).message}`));
  };
  try {
    step('starting nats-server (JWT mode, JetStream)…');
    const nats = await startEmbeddedNats({ dir: home.natsDir, trust: secrets.trust, port: natsPort, httpPort: natsHttpPort });
    stops.push(() => nats.stop());
    step('starting the control plane…');
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: pg.url,
      NATS_URL: nats.url,
      NATS_HUB_JWT: nats.hub.jwt,
      NATS_HUB_SEED: nats.hub.seed,
      NATS_ACCOUNT_SEED: secrets.trust.accountSeed,
      NATS_OPERATOR_SEED: secrets.trust.operatorSeed,
      NATS_SYSTEM_USER_JWT: nats.system.jwt,
      NATS_SYSTEM_USER_SEED: nats.system.seed,
      ADMIN_TOKEN: secrets.adminToken,
      FLOTILLA_SECRET_KEY: secrets.secretKey,
      PORT: String(port),
      HOST: process.env.HOST ?? '127.0.0.1',
    });
    const cp = await createControlPlane(config);
    stops.push(() => cp.close());
    const base = `http://localhost:${port}`;
    console.log(
      [
        '',
        'Flotilla is running on embedded defaults.',
        `  GraphQL API     ${base}/graphql`,
        `  health/metrics  ${base}/healthz  ${base}/metrics`,
        `  agent NATS      ${nats.url}`,
        `  admin token     ${secrets.adminToken}`,
        `                  (kept in ${join(home.secretsDir, 'admin-token')}, readable by you only)`,
        '',
        'Try it:',
        `  curl -s ${base}/graphql -H 'content-type: application/json' \\`,
        `    -H "authorization: Bearer $(cat ${join(home.secretsDir, 'admin-token')})" \\`,
        `    -d '{"query":"{ fleetSummary { clusters { total online } } }"}'`,
        '',
        'Stop with Ctrl-C; data stays in the data folder for the next start.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    step(`${signal}: stopping…`);
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `Flotilla failed to start: ${(error as Error).message}`);
  process.exit(1);
});

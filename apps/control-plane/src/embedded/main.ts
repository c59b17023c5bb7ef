/**
 * `npm start`: Flotilla on embedded defaults — an embedded PostgreSQL and a nats-server child
 * process (JWT mode, JetStream), both keeping their data under .flotilla/, the control plane on
 * http://localhost:3000, and a live demo fleet: a local fleet repository and six kube-sim
 * clusters with their agents (FLOTILLA_DEMO=0 leaves the demo out). Stopping and starting
 * again keeps all data.
 */
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { startEmbeddedPostgres } from '@flotilla/local-infra';
import { createControlPlane } from '../bootstrap.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { banner } from './banner.js';
import { startDemoFleet, type DemoFleet } from './demo/demo-fleet.js';
import { startDemoRepoProcess } from './demo/repo-process.js';
import type { DemoCluster } from './demo/demo-repo.js';
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
  if (!(await portFree(port)))
    throw new Error(`port ${port} (${what}) is in use: stop what holds it, or set ${envKey} to another port`);
}

/** A one-use registration token for a demo cluster, made over the public GraphQL API. */
async function demoToken(base: string, adminToken: string, cluster: DemoCluster): Promise<string> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({
      query: 'mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { token } }',
      variables: { input: { name: `demo ${cluster.name}`, tags: cluster.tags, expiresIn: 3600, maxUses: 1 } },
    }),
  });
  const body = (await res.json()) as {
    data?: { createRegistrationToken: { token: string } };
    errors?: { message: string }[];
  };
  if (!body.data)
    throw new Error(
      `could not create a registration token for ${cluster.name}: ${body.errors?.[0]?.message ?? res.status}`,
    );
  return body.data.createRegistrationToken.token;
}

async function main(): Promise<void> {
  const home = new EmbeddedHome(resolve(process.env.FLOTILLA_HOME ?? join(process.cwd(), '.flotilla')));
  const demo = process.env.FLOTILLA_DEMO !== '0';
  const port = Number(process.env.PORT ?? 3000);
  const natsPort = Number(process.env.FLOTILLA_NATS_PORT ?? 4223);
  const natsHttpPort = Number(process.env.FLOTILLA_NATS_MONITOR_PORT ?? 8223);
  const gitPort = Number(process.env.FLOTILLA_GIT_PORT ?? 3001);
  await requirePort(port, 'control plane', 'PORT');
  await requirePort(natsPort, 'NATS', 'FLOTILLA_NATS_PORT');
  await requirePort(natsHttpPort, 'NATS monitoring', 'FLOTILLA_NATS_MONITOR_PORT');
  if (demo) await requirePort(gitPort, 'demo fleet repository', 'FLOTILLA_GIT_PORT');

  const secrets = await home.secrets();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((e: unknown) => step(`while stopping: ${(e as Error).message}`));
  };
  // Ctrl-C reaches only this process (PostgreSQL, NATS and the agents run in process groups of
  // their own): it stops what runs in reverse order of starting. During start-up it takes effect
  // after the step under way, which then stops too.
  let signalled: string | undefined;
  let running = false;
  const onSignal = (signal: string) => {
    if (signalled) return;
    signalled = signal;
    step(`${signal}: stopping…`);
    if (running) void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  const checkpoint = () => {
    if (signalled) throw new StopRequested();
  };
  try {
    step(`data folder ${home.root}`);
    step('[1/5] starting embedded PostgreSQL…');
    const pg = await startEmbeddedPostgres({ dataDir: home.postgresDir, notice: step });
    stops.push(() => pg.stop());
    checkpoint();
    step('[2/5] starting nats-server (JWT mode, JetStream)…');
    const nats = await startEmbeddedNats({
      dir: home.natsDir,
      trust: secrets.trust,
      port: natsPort,
      httpPort: natsHttpPort,
    });
    stops.push(() => nats.stop());
    checkpoint();
    step(demo ? '[3/5] serving the demo fleet repository…' : '[3/5] no demo fleet (FLOTILLA_DEMO=0)');
    // The demo's Helm-based app needs hydration, hence the pinned helm (`npm start` unpacks it).
    const helm = process.env.FLOTILLA_HELM;
    const repo = demo
      ? await startDemoRepoProcess({ root: join(home.root, 'git'), port: gitPort, helm: !!helm })
      : undefined;
    if (repo) stops.push(() => repo.close());
    checkpoint();
    step('[4/5] starting the control plane…');
    const config = loadConfig({
      FLEET_POLL_INTERVAL_SECONDS: '5',
      HEARTBEAT_INTERVAL_SECONDS: '5',
      LOG_LEVEL: 'warn',
      ...(demo && helm ? { FLEET_HYDRATION: 'on', HELM_BINARY: helm } : {}),
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
      ...(repo ? { FLEET_REPO_URL: repo.url } : {}),
    });
    const cp = await createControlPlane(config);
    stops.push(() => cp.close());
    checkpoint();
    const base = `http://localhost:${port}`;
    let fleet: DemoFleet | undefined;
    if (demo) {
      step('[5/5] starting six kube-sim clusters and their agents…');
      fleet = await startDemoFleet({
        home: home.root,
        controlPlaneUrl: cp.url,
        createToken: (c) => demoToken(cp.url, secrets.adminToken, c),
        progress: (m) => step(`      ${m}`),
      });
      stops.push(() => fleet!.close());
      checkpoint();
    }
    console.log(
      banner({
        base,
        adminToken: secrets.adminToken,
        adminTokenFile: join(home.secretsDir, 'admin-token'),
        natsUrl: nats.url,
        ...(repo ? { repoUrl: repo.url.replace('127.0.0.1', 'localhost') } : {}),
        clusters: fleet?.clusters ?? [],
      }),
    );
  } catch (error) {
    await stopAll();
    if (error instanceof StopRequested) process.exit(0);
    throw error;
  }
  running = true;
}

/** A signal arrived while starting: what started is stopped, and the process ends without an error. */
class StopRequested extends Error {}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `Flotilla failed to start: ${(error as Error).message}`);
  process.exit(1);
});

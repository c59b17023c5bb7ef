/**
 * A hub on a 3-node NATS cluster and an edge site's leaf node whose links to the cluster run
 * through TCP proxies that a test can cut (startNatsCluster's leafLinks): a real partition. The leaf's client port is chosen
 * up front so agents can be pointed at it before it runs; `startLeaf()` then starts it for every
 * cluster registered so far (a leaf user carries only its site's clusters).
 */
import { systemUserCreds } from '@flotilla/nats-auth';
import {
  createTestDatabase,
  freePort,
  startNatsCluster,
  startNatsLeaf,
  type TestDatabase,
  type TestNatsCluster,
  type TestNatsLeaf,
} from '@flotilla/testing';
import { DataSource } from 'typeorm';
import { createControlPlane, type ControlPlane } from '../../../apps/control-plane/src/bootstrap.js';
import { loadConfig } from '../../../apps/control-plane/src/config/load-config.js';
import { ADMIN_TOKEN, testHubEnv, type Harness } from '../../../apps/control-plane/test/support/harness.js';

export interface LeafSite {
  cluster: TestNatsCluster;
  cp: ControlPlane;
  /** Enough of the test harness for GraphQL, registration tokens and startSimFleet. */
  h: Harness;
  /** Where agents at the site connect (the leaf's client port). */
  leafUrl: string;
  leaf?: TestNatsLeaf;
  startLeaf(): Promise<TestNatsLeaf>;
  /** Cuts every link between the leaf and the hub cluster (open connections die, new ones are refused). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startLeafSite(opts: { env?: Record<string, string> } = {}): Promise<LeafSite> {
  const [cluster, db] = await Promise.all([startNatsCluster({ size: 3, leafnodes: true }), createTestDatabase()]);
  const cleanup: (() => Promise<unknown>)[] = [() => cluster[Symbol.asyncDispose](), () => db.drop()];
  const close = async () => {
    for (const f of cleanup.reverse()) await f().catch(() => undefined);
  };
  try {
    const leafPort = await freePort();
    const system = await systemUserCreds(cluster.trust);
    const cp = await createControlPlane(
      loadConfig(
        testHubEnv(db.url, cluster, {
          AGENT_NATS_URL: `nats://127.0.0.1:${leafPort}`,
          NATS_OPERATOR_SEED: cluster.trust.operatorSeed,
          NATS_SYSTEM_USER_JWT: system.jwt,
          NATS_SYSTEM_USER_SEED: system.seed,
          NATS_STREAM_REPLICAS: '3',
          REGISTER_RATE_LIMIT_PER_MINUTE: '1000',
          ...opts.env,
        }),
      ),
    );
    cleanup.push(() => cp.close());
    const h = {
      cp,
      db: db as TestDatabase,
      async gql(query: string, variables: Record<string, unknown> = {}) {
        const res = await fetch(`${cp.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
          body: JSON.stringify({ query, variables }),
        });
        return { status: res.status, ...((await res.json()) as object) };
      },
      register: (body: unknown) =>
        fetch(`${cp.url}/v1/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
    } as unknown as Harness;
    const site: LeafSite = {
      cluster,
      cp,
      h,
      leafUrl: `nats://127.0.0.1:${leafPort}`,
      async startLeaf() {
        const rows = (await cp.app.get(DataSource).query('SELECT id FROM clusters')) as { id: string }[];
        const leaf = await startNatsLeaf({
          cluster,
          clusterIds: rows.map((r) => r.id),
          port: leafPort,
        });
        cleanup.push(() => leaf[Symbol.asyncDispose]());
        site.leaf = leaf;
        return leaf;
      },
      cut: () => cluster.leafLinks.cut(),
      restore: () => cluster.leafLinks.restore(),
      close,
    };
    return site;
  } catch (error) {
    await close();
    throw error;
  }
}

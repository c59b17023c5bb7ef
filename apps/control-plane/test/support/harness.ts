/**
 * Integration-test harness: a fresh PostgreSQL database, a real nats-server in JWT mode and a
 * control plane on a free port, plus helpers to call GraphQL and register agents.
 */
import { createUser, systemUserCreds } from '@flotilla/nats-auth';
import { subjects } from '@flotilla/protocol';
import { createTestDatabase, startNats, type TestDatabase, type TestNats } from '@flotilla/testing';
import { pino } from 'pino';
import { createControlPlane, type ControlPlane } from '../../src/bootstrap.js';
import type { ControlPlaneConfig } from '../../src/config/config.schema.js';
import { loadConfig } from '../../src/config/load-config.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';
export const TEST_SECRET_KEY = Buffer.alloc(32, 9).toString('base64');

/** Where a test control plane finds NATS: a TestNats or a NATS cluster of libs/testing. */
export interface TestNatsTarget {
  url: string;
  hub: { jwt: string; seed: string };
  trust: { accountSeed: string };
}

/**
 * The settings every test control plane runs with: its database and NATS, the admin token, a free
 * loopback port, quiet logs and fast ingest flushes; `env` adds or overrides.
 */
export function testHubEnv(databaseUrl: string, nats: TestNatsTarget, env: Record<string, string> = {}) {
  return {
    DATABASE_URL: databaseUrl,
    NATS_URL: nats.url,
    NATS_HUB_JWT: nats.hub.jwt,
    NATS_HUB_SEED: nats.hub.seed,
    NATS_ACCOUNT_SEED: nats.trust.accountSeed,
    ADMIN_TOKEN,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    INGEST_FLUSH_MS: '20',
    FLOTILLA_SECRET_KEY: TEST_SECRET_KEY,
    ...env,
  };
}

/** NATS permissions of one identity that may publish on every agent subject, standing in for many agents. */
export const AGENTS_PUBLISHER = {
  permissions: { pub: { allow: [subjects.agentAll] }, sub: { allow: ['_INBOX_CLUSTER.>'] } },
  opts: { inboxPrefix: '_INBOX_CLUSTER' },
};

/** GraphQL as the admin, against the control plane `url()` names at call time. */
export function adminGql(url: () => string) {
  return async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${url()}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data: any; errors?: unknown };
  };
}

export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
}

export interface Harness {
  nats: TestNats;
  db: TestDatabase;
  config: ControlPlaneConfig;
  cp: ControlPlane;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GqlResult<T>>;
  /** POST /v1/register with a raw body (object → JSON). */
  register(body: unknown, init?: RequestInit): Promise<Response>;
  /** Stops the control plane only (NATS and the database keep running). */
  stopControlPlane(): Promise<void>;
  startControlPlane(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Receives every log line the control plane writes (at debug level). */
  onLog?: (line: string) => void;
}

export async function startHarness(env: Record<string, string> = {}, opts: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const nats = await startNats().catch(async (e: unknown) => {
    await db.drop();
    throw e;
  });
  const system = await systemUserCreds(nats.trust);
  const config = loadConfig(
    testHubEnv(db.url, nats, {
      NATS_OPERATOR_SEED: nats.trust.operatorSeed,
      NATS_SYSTEM_USER_JWT: system.jwt,
      NATS_SYSTEM_USER_SEED: system.seed,
      ...env,
    }),
  );
  let cp: ControlPlane | undefined;
  const h: Harness = {
    nats,
    db,
    config,
    get cp() {
      if (!cp) throw new Error('control plane is stopped');
      return cp;
    },
    async gql(query, variables = {}, token = ADMIN_TOKEN) {
      const res = await fetch(`${h.cp.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as object) };
    },
    register: (body, init = {}) =>
      fetch(`${h.cp.url}/v1/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        ...init,
      }),
    async stopControlPlane() {
      await cp?.close();
      cp = undefined;
    },
    async startControlPlane() {
      const logger = opts.onLog ? pino({ level: 'debug' }, { write: (line: string) => opts.onLog!(line) }) : undefined;
      cp = await createControlPlane(config, logger ? { logger } : {});
    },
    async close() {
      await h.stopControlPlane();
      await nats[Symbol.asyncDispose]();
      await db.drop();
    },
  };
  try {
    await h.startControlPlane();
  } catch (error) {
    await nats[Symbol.asyncDispose]();
    await db.drop();
    throw error;
  }
  return h;
}

export const FACTS = {
  kubeVersion: 'v1.31.2',
  agentVersion: '0.1.0',
  provider: 'kind',
  region: 'eu-west-1',
  nodeCount: 3,
};

/** A valid registration body for a fresh agent key (the seed is returned for connecting). */
export function registration(token: string, name: string) {
  const key = createUser();
  return { body: { protocol: 1, token, name, natsPublicKey: key.publicKey, facts: FACTS }, key };
}

export const CREATE_REGISTRATION_TOKEN = `mutation($input: CreateRegistrationTokenInput!) {
  createRegistrationToken(input: $input) { token registrationToken { id name tags maxUses usedCount expiresAt revokedAt requireApproval clusterName } }
}`;

export async function createRegistrationToken(
  h: Harness,
  input: {
    name?: string;
    tags?: string[];
    expiresIn?: number;
    maxUses?: number;
    clusterName?: string;
    requireApproval?: boolean;
  } = {},
) {
  const r = await h.gql(CREATE_REGISTRATION_TOKEN, {
    input: { name: 'test', tags: [], expiresIn: 3600, maxUses: 1, ...input },
  });
  if (!r.data) throw new Error(`createRegistrationToken failed: ${JSON.stringify(r.errors)}`);
  return r.data.createRegistrationToken as { token: string; registrationToken: { id: string; usedCount: number } };
}

/**
 * Issue 6, "secrets stay secret": canary secrets planted in a Git credential (hub and agent), an
 * API token, a registration token, a notification target's URL and signing key, the webhook
 * secret and a Kubernetes Secret's data go through a whole working fleet — registration, sync,
 * drift on the Secret, failed calls — and are then searched for in every log line of the control
 * plane and the agent, every GraphQL response and error (every query field, fully selected),
 * every NATS message published on the account, and every row of every database table.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { startGitServer, type GitServer, scaled } from '@flotilla/testing';
import {
  CREATE_REGISTRATION_TOKEN,
  startHarness,
  type Harness,
} from '../../apps/control-plane/test/support/harness.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { ensureKubectl } from '../../scripts/setup-kubectl.mjs';
import { startAgentProcess, type AgentProcess } from './support/agent-process.js';

const run = promisify(execFile);
const NAME = 'canary-1';
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Values that must never leak; each is long and unique enough that a hit cannot be chance. */
const PLANTED = {
  gitToken: 'canary-git-token-7Qm2xK9pLw4vZ8rT',
  webhookSecret: 'canary-webhook-secret-Hc5Ns8Jq2Vd6',
  alertSecret: 'canary-alert-signing-key-Rf3Wy7Ub1Ko9',
  alertUrlToken: 'canary-alert-url-token-Lp4Te8Gz6Xa2',
  secretData: 'canary-k8s-secret-value-Bn7Dk3Ms5Yq1',
  secretDataDrift: 'canary-k8s-drifted-value-Vc2Ph6Jr8Ew4',
};

describe('canary secrets', () => {
  let git: GitServer;
  let h: Harness;
  let sim: KubeSim;
  let agent: AgentProcess;
  let dir: string;
  let spy: NatsConnection;
  const hubLog: string[] = [];
  const natsPayloads: string[] = [];
  const graphqlTexts: string[] = [];
  /** Generated secrets: the API and registration tokens. */
  const generated: Record<string, string> = {};

  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string | null) => {
    const r = await h.gql(query, variables, token);
    graphqlTexts.push(JSON.stringify(r));
    return r;
  };
  const kubectl = async (...args: string[]) =>
    (await run(ensureKubectl(), ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(dir, 'kube-cache'), ...args]))
      .stdout;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-canary-'));
    git = await startGitServer({ basicAuth: { username: 'fleet', password: PLANTED.gitToken } });
    await git.commit({
      message: 'app with a secret',
      files: {
        [`clusters/${NAME}/namespace.yaml`]: 'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n',
        [`clusters/${NAME}/secret.yaml`]: `apiVersion: v1\nkind: Secret\nmetadata: { name: db, namespace: shop }\ntype: Opaque\ndata:\n  password: ${b64(PLANTED.secretData)}\n`,
        [`clusters/${NAME}/config.yaml`]:
          'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings, namespace: shop }\ndata: { mode: calm }\n',
      },
    });
    h = await startHarness(
      {
        FLEET_REPO_URL: git.url,
        FLEET_GIT_USERNAME: 'fleet',
        FLEET_GIT_TOKEN: PLANTED.gitToken,
        FLEET_WEBHOOK_SECRET: PLANTED.webhookSecret,
        FLEET_POLL_INTERVAL_SECONDS: '1',
        HEARTBEAT_INTERVAL_SECONDS: '1',
        ALERT_GROUP_WINDOW_MS: '300',
        ALERT_RETRY_BASE_MS: '200',
        LOG_LEVEL: 'debug',
      },
      { onLog: (line) => hubLog.push(line) },
    );
    // Every message published on the Flotilla account, as a user allowed to see them all.
    spy = await h.nats.connect(await h.nats.userFor({ pub: { allow: [] }, sub: { allow: ['>'] } }));
    const sub = spy.subscribe('>');
    void (async () => {
      for await (const m of sub) natsPayloads.push(`${m.subject} ${m.headers?.toString() ?? ''} ${m.string()}`);
    })();

    sim = await startKubeSim({ port: 0, kubeconfigPath: join(dir, 'kubeconfig') });
    // Tokens appear once, in the response that creates them (not recorded); never again.
    const created = await h.gql(CREATE_REGISTRATION_TOKEN, { input: { name: 'canary', tags: ['canary'] } });
    generated.registrationToken = created.data.createRegistrationToken.token;
    const api = await h.gql('mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }', {
      input: { name: 'ops', role: 'OPERATOR' },
    });
    generated.apiToken = api.data.createApiToken.token;
    await gql('mutation($i: CreateNotificationTargetInput!) { createNotificationTarget(input: $i) { id } }', {
      i: {
        name: 'pager',
        kind: 'WEBHOOK',
        url: `http://127.0.0.1:9/hook?token=${PLANTED.alertUrlToken}`,
        secret: PLANTED.alertSecret,
        events: ['DRIFT_DETECTED', 'SYNC_FAILED'],
      },
    });
    agent = startAgentProcess(
      {
        server: h.cp.url,
        name: NAME,
        'state-dir': join(dir, 'agent'),
        kubeconfig: sim.kubeconfigPath,
        'git-username': 'fleet',
        'log-level': 'debug',
        'resync-interval': 600,
      },
      { FLOTILLA_TOKEN: generated.registrationToken, FLOTILLA_GIT_TOKEN: PLANTED.gitToken },
    );
  }, scaled(90_000));

  afterAll(async () => {
    await agent?.stop();
    await spy?.close();
    await sim?.close();
    await h?.close();
    await git?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('syncs the Secret, reports drift on it, and none of the planted or generated secrets appears anywhere', async () => {
    // A working fleet: applied and Synced, the Secret in the cluster with its real value.
    await eventually(
      async () => {
        const s = (await gql(`query($n: String!) { cluster(name: $n) { sync { state health } } }`, { n: NAME })).data
          ?.cluster?.sync;
        return s?.state === 'SYNCED' && s.health === 'HEALTHY';
      },
      60_000,
      'Synced + Healthy',
    );
    expect(
      Buffer.from(
        await kubectl('-n', 'shop', 'get', 'secret', 'db', '-o', 'jsonpath={.data.password}'),
        'base64',
      ).toString(),
    ).toBe(PLANTED.secretData);

    // Drift on the Secret: reported by key name, reverted.
    await kubectl(
      '-n',
      'shop',
      'patch',
      'secret',
      'db',
      '--type=merge',
      '-p',
      JSON.stringify({ data: { password: b64(PLANTED.secretDataDrift) } }),
    );
    const drift = await eventually(
      async () => {
        const edges = (
          await gql('{ driftEvents(first: 10) { edges { node { object { kind name } fields resolution } } } }')
        ).data.driftEvents.edges;
        return edges.find((e: any) => e.node.object.kind === 'Secret')?.node;
      },
      15_000,
      'drift on the Secret',
    );
    expect(drift.fields).toEqual(['data.password']);
    await eventually(
      async () =>
        Buffer.from(
          await kubectl('-n', 'shop', 'get', 'secret', 'db', '-o', 'jsonpath={.data.password}'),
          'base64',
        ).toString() === PLANTED.secretData,
      10_000,
      'Secret reverted',
    );

    // The API token in use, then revoked and tried again; the used registration token tried again.
    expect((await gql('{ me { name role } }', {}, generated.apiToken)).data.me.role).toBe('OPERATOR');
    const tokens = await gql('{ apiTokens { id name } }');
    await gql('mutation($id: ID!) { revokeApiToken(id: $id) { id } }', {
      id: tokens.data.apiTokens.find((t: any) => t.name === 'ops').id,
    });
    expect((await gql('{ me { name } }', {}, generated.apiToken)).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    const again = await h.register({
      protocol: 1,
      token: generated.registrationToken,
      name: 'canary-2',
      natsPublicKey: `U${'A'.repeat(55)}`,
      facts: { kubeVersion: 'v1', agentVersion: '1', nodeCount: 1 },
    });
    graphqlTexts.push(await again.text());
    // A webhook with a wrong signature; GraphQL called with the webhook secret as a bearer token.
    const hook = await fetch(`${h.cp.url}/v1/git/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=00' },
      body: '{}',
    });
    graphqlTexts.push(await hook.text());
    await gql('{ me { name } }', {}, PLANTED.webhookSecret);

    // Every query field, every field below it (a few levels deep), as admin.
    const schema = h.cp.app.get(GraphQLSchemaHost).schema;
    for (const query of everyQuery(schema, {
      cluster: `name: "${NAME}"`,
      clusterDiff: `cluster: "${NAME}", revision: "main"`,
      fleetDiff: 'revision: "main"',
      rollout: null,
    })) {
      const r = await gql(query);
      expect(r.errors, query).toBeUndefined();
    }

    // Every row of every table.
    const db = h.cp.app.get(DataSource);
    const tables = (
      (await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)) as { tablename: string }[]
    ).map((t) => t.tablename);
    expect(tables).toEqual(
      expect.arrayContaining(['clusters', 'registration_tokens', 'api_tokens', 'audit_events', 'notification_targets']),
    );
    const rows: string[] = [];
    for (const t of tables)
      for (const r of (await db.query(`SELECT row_to_json(x)::text AS j FROM "${t}" x`)) as { j: string }[])
        rows.push(r.j);

    await agent.stop();
    const places = {
      'control-plane log': hubLog.join('\n'),
      'agent log': agent.log(),
      GraphQL: graphqlTexts.join('\n'),
      NATS: natsPayloads.join('\n'),
      database: rows.join('\n'),
    };
    // The haystacks are real: logs at debug level, the Secret's drift on NATS and in GraphQL.
    expect(hubLog.length).toBeGreaterThan(20);
    expect(agent.log()).toMatch(/registration: registered[\s\S]*drift/);
    expect(places.GraphQL).toContain('"data.password"');
    expect(natsPayloads.some((p) => /agent\.[0-9a-f-]+\.drift .*"Secret"/s.test(p))).toBe(true);
    expect(natsPayloads.some((p) => p.startsWith('$KV.'))).toBe(true);
    const secrets = { ...PLANTED, ...generated };
    const leaks: string[] = [];
    for (const [where, text] of Object.entries(places)) {
      for (const [what, value] of Object.entries(secrets)) {
        for (const form of [value, b64(value), Buffer.from(value).toString('hex')])
          if (text.includes(form)) leaks.push(`${what} in ${where}`);
      }
    }
    expect(leaks).toEqual([]);
  });
});

/** One query per root field, selecting every field to `depth` levels (arguments: required ones given, lists first: 5). */
function everyQuery(schema: GraphQLSchema, args: Record<string, string | null>, depth = 5): string[] {
  const select = (type: GraphQLObjectType, level: number, seen: string[]): string => {
    const parts: string[] = [];
    for (const f of Object.values(type.getFields())) {
      if (f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
      const named = getNamedType(f.type);
      if (isLeafType(named)) parts.push(f.name);
      else if (isObjectType(named) && level < depth && !seen.includes(named.name)) {
        const inner = select(named, level + 1, [...seen, named.name]);
        if (inner) parts.push(`${f.name}${pageArgs(f)} { ${inner} }`);
      }
    }
    return parts.join(' ');
  };
  const pageArgs = (f: GraphQLField<unknown, unknown>) => (f.args.some((a) => a.name === 'first') ? '(first: 5)' : '');
  const out: string[] = [];
  for (const f of Object.values(schema.getQueryType()!.getFields())) {
    const given = args[f.name];
    if (given === null) continue;
    const required = f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined);
    if (required && given === undefined) throw new Error(`everyQuery: give arguments for ${f.name}`);
    const named = getNamedType(f.type);
    const argText = given ? `(${given})` : pageArgs(f);
    out.push(
      isLeafType(named)
        ? `{ ${f.name}${argText} }`
        : `{ ${f.name}${argText} { ${select(named as GraphQLObjectType, 1, [named.name])} } }`,
    );
  }
  return out;
}

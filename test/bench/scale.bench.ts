// bench:scale — one hub (its own process) for 10,000 clusters on this machine (issue 18). The agents are
// protocol-level (test/e2e/support/protocol-agents.ts: the agent's own NATS transport and heartbeater,
// each cluster its own NATS user with a real JWT) in a few child processes, heartbeating every 10 s and
// reporting every minute through the hub's relay. A private JWT-mode nats-server, a fresh database, git
// http-backend. BENCH_REGISTER clusters register over HTTP (the registration rate row); the rest are
// written straight into the database with JWTs minted as registration mints them (registering 10,000
// one by one is not what is measured). Measures: memory of hub, NATS and the hub database's PostgreSQL
// backends; ingest lag; `clusters` first page and `fleetSummary` latency while ingesting; a rollout;
// hub restart → desired state re-published; a NATS restart → every agent back (reconnect storm); and
// native vs pure-JS Ed25519 nonce signing. Prints a table with the goals and the load average.
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { jetstreamManager } from '@nats-io/jetstream';
import { fromSeed } from '@nats-io/nkeys';
import type { NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { createUser, mintUserJwt, nativeNkey } from '@flotilla/nats-auth';
import {
  AGENT_CONSUMER,
  AGENT_STREAM,
  agentPermissions,
  DESIRED_BUCKET,
  PROTOCOL_VERSION,
  RegisterResponse,
  subjects,
} from '@flotilla/protocol';
import { createTestDatabase, runGit, startGitServer, startNats } from '@flotilla/testing';
import { pool, spawnControlPlane, stopProcess } from './support/control-plane-process.js';
import { ScaleAgents } from './support/scale-agents.js';
import type { ProtocolAgentCredential } from '../e2e/support/protocol-agents.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const REGISTER = Math.min(AGENTS, Number(process.env.BENCH_REGISTER ?? 200));
const HEARTBEAT_S = 10;
const REPORT_S = 60;
const STEADY_S = Number(process.env.BENCH_STEADY_S ?? REPORT_S + 10);
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 2);
const CANARY = Math.min(100, AGENTS);
/** Agents started per second at first (all at once, on a loaded 2-core machine, they miss their connect timeouts). */
const CONNECTS_PER_SECOND = Number(process.env.BENCH_CONNECTS_PER_SECOND ?? 200);
const ADMIN_TOKEN = `bench-admin-${'x'.repeat(40)}`;
const WEBHOOK_SECRET = 'bench-webhook-secret-123';
const FACTS = { kubeVersion: 'v1.31.2', agentVersion: '0.1.0', provider: 'bench', region: 'local', nodeCount: 3 };
const FLEET = `onFailure: pause\nhealthTimeout: 10m\nwaves:\n  - name: canary\n    selector: { allOf: [canary] }\n  - name: rest\n    rest: true\n`;
const deploy = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: web }\nspec:\n  template:\n    spec:\n      containers: [{ name: web, image: "${image}" }]\n`;
const name = (i: number) => `scale-${String(i).padStart(5, '0')}`;
const load = () => loadavg()[0]!.toFixed(1);
const pct = (xs: number[], p: number) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const db = await createTestDatabase();
const nats = await startNats();
const git = await startGitServer();
const sql = new pg.Client({ connectionString: db.url });
let child: ChildProcess | undefined;
let agents: ScaleAgents | undefined;
const conns: NatsConnection[] = [];
const rows: [string, string, string][] = [];
const row = (metric: string, value: string, goal = '') => {
  rows.push([metric, value, goal]);
  console.error(`[scale] ${metric}: ${value} ${goal} (load ${load()})`);
};

function startControlPlane(): Promise<string> {
  const cp = spawnControlPlane({
    DATABASE_URL: db.url,
    NATS_URL: nats.url,
    NATS_HUB_JWT: nats.hub.jwt,
    NATS_HUB_SEED: nats.hub.seed,
    NATS_ACCOUNT_SEED: nats.trust.accountSeed,
    ADMIN_TOKEN,
    REGISTER_RATE_LIMIT_PER_MINUTE: String(AGENTS * 10),
    HEARTBEAT_INTERVAL_SECONDS: String(HEARTBEAT_S),
    FLOTILLA_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    FLEET_REPO_URL: git.url,
    FLEET_POLL_INTERVAL_SECONDS: '3600',
    FLEET_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
  child = cp.child;
  return cp.url;
}

async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function until<T>(fn: () => Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

async function webhook(url: string, rev: string): Promise<number> {
  const at = Date.now();
  const body = JSON.stringify({ ref: 'refs/heads/main', after: rev, repository: { clone_url: git.url } });
  const res = await fetch(`${url}/v1/git/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
    },
    body,
  });
  if (res.status !== 202) throw new Error(`webhook refused: ${res.status}`);
  return at;
}

/** RSS (and PSS, which shares PostgreSQL's shared memory out fairly) of a process, in bytes. */
async function memoryOf(pid: number): Promise<{ rss: number; pss: number }> {
  const kb = async (file: string, field: string) => {
    const text = await readFile(`/proc/${pid}/${file}`, 'utf8').catch(() => '');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { rss: await kb('status', 'VmRSS'), pss: await kb('smaps_rollup', 'Pss') };
}

interface Memory {
  hub: number;
  nats: number;
  pgRss: number;
  pgPss: number;
  pgBackends: number;
}
async function memory(): Promise<Memory> {
  const hub = child?.pid ? (await memoryOf(child.pid)).rss : 0;
  const varz = (await (await fetch(`${nats.monitorUrl}/varz`)).json()) as { mem: number };
  const { rows: pids } = await sql.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  let pgRss = 0;
  let pgPss = 0;
  for (const { pid } of pids) {
    const m = await memoryOf(pid);
    pgRss += m.rss;
    pgPss += m.pss;
  }
  return { hub, nats: varz.mem, pgRss, pgPss, pgBackends: pids.length };
}

async function natsConnections(): Promise<number> {
  return ((await (await fetch(`${nats.monitorUrl}/varz`)).json()) as { connections: number }).connections;
}

/** Signs per second over about `ms` of signing the same 11-byte nonce. */
function signsPerSecond(sign: (b: Uint8Array) => unknown, ms: number): number {
  const nonce = new TextEncoder().encode('aWs6qTxv2ZH');
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 20; i++) sign(nonce);
    n += 20;
  }
  return n / ((performance.now() - t0) / 1000);
}

try {
  // Native vs nkeys (tweetnacl) Ed25519: what every NATS (re)connect of an agent signs.
  {
    const seed = createUser().seed;
    const native = nativeNkey(seed);
    const kp = fromSeed(new TextEncoder().encode(seed));
    const js = signsPerSecond((b) => kp.sign(b), 2000);
    const nat = signsPerSecond((b) => native.sign(b), 2000);
    row('nonce signs/s, nkeys (tweetnacl) / native Ed25519', `${js.toFixed(0)} / ${nat.toFixed(0)}`);
    row('native / nkeys signing rate', `${(nat / js).toFixed(0)}×`);
  }

  await sql.connect();
  await runGit(['config', 'http.receivepack', 'true'], { cwd: git.repoPath });
  const files: Record<string, string> = {
    'fleet.yaml': FLEET,
    'bases/web/deploy.yaml': deploy('web:1.0'),
    'bases/web/kustomization.yaml': 'resources: [deploy.yaml]\n',
  };
  for (let i = 0; i < AGENTS; i++) files[`clusters/${name(i)}/kustomization.yaml`] = `resources: [../../bases/web]\n`;
  const r0 = await git.commit({ files, message: 'fleet' });
  let url = await startControlPlane();

  // Registration over HTTP (a sample), then the rest written straight into the database.
  const tokenOf = async (tag: string) =>
    (
      await gql<{ createRegistrationToken: { token: string } }>(
        url,
        'mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { token } }',
        { input: { name: tag, tags: [tag], expiresIn: 3600, maxUses: AGENTS + 1 } },
      )
    ).createRegistrationToken.token;
  const edgeToken = await tokenOf('edge');
  const creds: ProtocolAgentCredential[] = new Array(AGENTS);
  const keys = Array.from({ length: AGENTS }, () => createUser());
  const reg0 = performance.now();
  await pool(
    Array.from({ length: REGISTER }, (_, k) => AGENTS - 1 - k),
    16,
    async (i) => {
      const res = await fetch(`${url}/v1/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          protocol: PROTOCOL_VERSION,
          token: edgeToken,
          name: name(i),
          natsPublicKey: keys[i]!.publicKey,
          facts: FACTS,
        }),
      });
      if (res.status !== 201) throw new Error(`registration ${i} failed: ${res.status} ${await res.text()}`);
      const r = RegisterResponse.parse(await res.json());
      creds[i] = { clusterId: r.clusterId, jwt: r.nats.jwt, seed: keys[i]!.seed, inboxPrefix: r.nats.inboxPrefix };
    },
  );
  row(
    `registrations/s over HTTP (${REGISTER}, 16 at a time)`,
    (REGISTER / ((performance.now() - reg0) / 1000)).toFixed(0),
  );
  const seed0 = performance.now();
  const seeded = Array.from({ length: AGENTS - REGISTER }, (_, i) => i);
  const ids = seeded.map(() => crypto.randomUUID());
  await sql.query(
    `INSERT INTO clusters (id, name, tags, nats_public_key, kube_version, agent_version, provider, region, node_count, credential_expires_at)
     SELECT id, name, ARRAY[tag], key, $5, $6, $7, $8, $9, now() + interval '1 day'
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS v(id, name, tag, key)`,
    [
      ids,
      seeded.map(name),
      seeded.map((i) => (i < CANARY ? 'canary' : 'edge')),
      seeded.map((i) => keys[i]!.publicKey),
      FACTS.kubeVersion,
      FACTS.agentVersion,
      FACTS.provider,
      FACTS.region,
      FACTS.nodeCount,
    ],
  );
  await pool(seeded, 8, async (i) => {
    const clusterId = ids[i]!;
    const jwt = await mintUserJwt(nats.trust, {
      publicKey: keys[i]!.publicKey,
      name: `cluster:${name(i)}`,
      permissions: agentPermissions(clusterId),
      expiresInSeconds: 86_400,
    });
    creds[i] = { clusterId, jwt, seed: keys[i]!.seed, inboxPrefix: subjects.agentInboxPrefix(clusterId) };
  });
  row(
    `clusters written straight to the database (with minted JWTs)`,
    `${AGENTS - REGISTER} in ${secs(performance.now() - seed0)}`,
  );

  // The agents connect.
  agents = ScaleAgents.start(PROCESSES);
  const c0 = Date.now();
  await agents.run(
    creds,
    { natsUrl: nats.url, heartbeatMs: HEARTBEAT_S * 1000, reportMs: REPORT_S * 1000, answerDesired: true },
    CONNECTS_PER_SECOND,
  );
  await until(async () => (await agents!.stats()).connected === AGENTS, 600_000, 'every agent connected');
  row(
    `agents connected (start → all ${AGENTS})`,
    `${secs(Date.now() - c0)} (${(AGENTS / ((Date.now() - c0) / 1000)).toFixed(0)}/s)`,
  );

  // The clusters written to the database get the head at the next poll (a webhook here).
  const p0 = await webhook(url, r0);
  await until(
    async () => ((await agents!.stats()).desired[r0]?.agents ?? 0) >= AGENTS,
    600_000,
    'the head on every agent',
  );
  row(`desired state to every agent (head assigned to ${AGENTS - REGISTER} new clusters)`, secs(Date.now() - p0));

  // Steady state: heartbeats every 10 s and reports every minute from all; meanwhile probe ingest lag
  // (a heartbeat with a new node count sent through the relay → visible in PostgreSQL), the consumer
  // backlog, GraphQL latency and memory.
  // The probe is a cluster of its own (an agent's heartbeats would overwrite the probe's node count).
  const probeKey = createUser();
  const probeRes = await fetch(`${url}/v1/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      protocol: PROTOCOL_VERSION,
      token: edgeToken,
      name: 'scale-probe',
      natsPublicKey: probeKey.publicKey,
      facts: FACTS,
    }),
  });
  const probeReg = RegisterResponse.parse(await probeRes.json());
  const probe = {
    clusterId: probeReg.clusterId,
    jwt: probeReg.nats.jwt,
    seed: probeKey.seed,
    inboxPrefix: probeReg.nats.inboxPrefix,
  };
  const probeNc = await nats.connect({
    jwt: probe.jwt,
    seed: probe.seed,
    publicKey: '',
    inboxPrefix: probe.inboxPrefix,
  });
  conns.push(probeNc);
  const hubNc = await nats.connect(nats.hub);
  conns.push(hubNc);
  const jsm = await jetstreamManager(hubNc);
  const lags: number[] = [];
  const backlog: number[] = [];
  const pageMs: number[] = [];
  const summaryMs: number[] = [];
  const mems: Memory[] = [];
  const before = await agents.stats();
  const steadyEnd = Date.now() + STEADY_S * 1000;
  let nodeCount = 1000;
  await Promise.all([
    (async () => {
      while (Date.now() < steadyEnd) {
        const n = ++nodeCount;
        const t = performance.now();
        const hb = {
          protocol: PROTOCOL_VERSION,
          clusterId: probe.clusterId,
          sentAt: new Date().toISOString(),
          seq: n,
          facts: { ...FACTS, nodeCount: n },
        };
        await probeNc.request(subjects.relay(probe.clusterId, 'heartbeat'), JSON.stringify(hb), { timeout: 30_000 });
        await until(
          async () =>
            (await sql.query<{ n: number }>('SELECT node_count AS n FROM clusters WHERE id = $1', [probe.clusterId]))
              .rows[0]?.n === n,
          60_000,
          'the probe heartbeat in PostgreSQL',
        );
        lags.push(performance.now() - t);
        await sleep(1000);
      }
    })(),
    (async () => {
      while (Date.now() < steadyEnd) {
        const info = await jsm.consumers.info(AGENT_STREAM, AGENT_CONSUMER);
        backlog.push(info.num_pending + info.num_ack_pending);
        await sleep(1000);
      }
    })(),
    (async () => {
      while (Date.now() < steadyEnd) {
        let t = performance.now();
        await gql(
          url,
          '{ clusters(first: 50) { totalCount edges { node { id name connection tags lastSeenAt } } pageInfo { hasNextPage endCursor } } }',
        );
        pageMs.push(performance.now() - t);
        t = performance.now();
        await gql(url, '{ fleetSummary { clusters { total online offline pending } byTag { tag total online } } }');
        summaryMs.push(performance.now() - t);
        await sleep(250);
      }
    })(),
    (async () => {
      while (Date.now() < steadyEnd) {
        mems.push(await memory());
        await sleep(5000);
      }
    })(),
  ]);
  const after = await agents.stats();
  const loadSteady = load();
  const hbRate = (after.heartbeatsAccepted - before.heartbeatsAccepted) / STEADY_S;
  const repRate = (after.reportsAccepted - before.reportsAccepted) / STEADY_S;
  row(
    `steady state (${STEADY_S} s): heartbeats / reports accepted per s`,
    `${hbRate.toFixed(0)} / ${repRate.toFixed(1)}`,
    `(${AGENTS / HEARTBEAT_S} / ${(AGENTS / REPORT_S).toFixed(1)} expected)`,
  );
  row(
    'steady state: heartbeats / reports not accepted (timeouts, refusals)',
    `${after.heartbeatsFailed - before.heartbeatsFailed} / ${after.reportsFailed - before.reportsFailed}`,
  );
  row(
    'ingest lag (relay → PostgreSQL) p50 / p95 / max',
    `${secs(pct(lags, 50))} / ${secs(pct(lags, 95))} / ${secs(Math.max(...lags))}`,
    'goal ≤ 2 s',
  );
  row('consumer backlog (messages) max', String(Math.max(...backlog)));
  row(
    '`clusters` first page p50 / p95',
    `${pct(pageMs, 50).toFixed(0)} / ${pct(pageMs, 95).toFixed(0)} ms`,
    'goal p95 ≤ 50 ms',
  );
  row(
    '`fleetSummary` p50 / p95',
    `${pct(summaryMs, 50).toFixed(0)} / ${pct(summaryMs, 95).toFixed(0)} ms`,
    'goal ≤ 100 ms',
  );
  const peak = (f: (m: Memory) => number) => Math.max(...mems.map(f));
  row('memory peak: hub / NATS RSS', `${mib(peak((m) => m.hub))} / ${mib(peak((m) => m.nats))}`);
  row(
    `memory peak: PostgreSQL backends of the hub database, RSS / PSS (${mems.at(-1)!.pgBackends} backends)`,
    `${mib(peak((m) => m.pgRss))} / ${mib(peak((m) => m.pgPss))}`,
  );
  row(
    'memory peak total: hub + NATS + PostgreSQL backends (PSS)',
    mib(peak((m) => m.hub + m.nats + m.pgPss)),
    'goal ≤ 1 GiB',
  );
  row(`memory of the simulated agents (not the hub; ${PROCESSES} processes)`, mib(after.rss));
  row('load average during the steady state', loadSteady);

  // The probe would never report the rollout's revision: it leaves the fleet first.
  await probeNc.close();
  await gql(url, 'mutation($id: ID!) { deregisterCluster(id: $id) { id } }', { id: probe.clusterId });

  // A rollout: the shared base changes; canary (100) then the rest.
  const r1 = await git.commit({ files: { 'bases/web/deploy.yaml': deploy('web:1.1') }, message: 'web 1.1' });
  const ro0 = await webhook(url, r1);
  const placed = async (n: number) => {
    const d = (await agents!.stats()).desired[r1];
    return d && d.agents >= n && d;
  };
  await until(() => placed(CANARY), 600_000, `${CANARY} clusters on the rollout`);
  row(`rollout: commit → ${CANARY} placed`, secs(Date.now() - ro0));
  const all = await until(() => placed(AGENTS), 900_000, 'every cluster on the rollout');
  row(`rollout: commit → all ${AGENTS} placed`, secs(all.last - ro0));
  await until(
    async () =>
      (
        await gql<{ rollouts: { edges: { node: { phase: string } }[] } }>(
          url,
          'query($rev: String) { rollouts(filter: { revision: $rev }, first: 1) { edges { node { phase } } } }',
          { rev: r1 },
        )
      ).rollouts.edges[0]?.node.phase === 'SUCCEEDED',
    600_000,
    'the rollout to succeed',
  );
  row(`rollout: commit → Succeeded (every report in)`, secs(Date.now() - ro0));

  // Hub restart after the desired-state bucket lost its contents (a new or recreated JetStream store):
  // the hub re-publishes every cluster's desired state when it starts.
  await stopProcess(child);
  await jsm.streams.purge(`KV_${DESIRED_BUCKET}`);
  const rs0 = Date.now();
  url = await startControlPlane();
  const republished = await until(
    async () => {
      const s = await agents!.stats(rs0);
      return s.desiredSince >= AGENTS && Date.now();
    },
    120_000,
    'desired state re-published to every agent',
  ).catch((e: unknown) => (e as Error).message);
  row(
    'hub restart → desired state re-published to all',
    typeof republished === 'number' ? secs(republished - rs0) : republished,
    'goal ≤ 60 s',
  );

  // Reconnect storm: the nats-server restarts; every agent comes back.
  await nats.stop();
  await nats.start();
  const st0 = Date.now();
  await until(async () => (await agents!.stats()).connected >= AGENTS, 300_000, 'every agent reconnected');
  row(`NATS restart → all ${AGENTS} agents connected again`, secs(Date.now() - st0), 'goal ≤ 60 s');
  row('NATS connections after the storm (agents + hub + bench)', String(await natsConnections()));
} finally {
  await agents?.stop().catch(() => undefined);
  await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
  await stopProcess(child);
  await sql.end().catch(() => undefined);
  await git.close();
  await nats[Symbol.asyncDispose]();
  await db.drop();
  const w = Math.max(...rows.map(([k]) => k.length));
  const v = Math.max(...rows.map(([, x]) => x.length));
  console.log(
    `\nbench:scale, ${AGENTS} clusters\n${'metric'.padEnd(w)} | ${'value'.padEnd(v)} | goal\n${'-'.repeat(w)}-|-${'-'.repeat(v)}-|-----`,
  );
  for (const [k, x, g] of rows) console.log(`${k.padEnd(w)} | ${x.padEnd(v)} | ${g}`);
}

import { randomBytes } from 'node:crypto';
// bench:registration — agent registrations per second and heartbeats ingested per second with
// 1,000 simulated agents, against a real control plane (its own process), PostgreSQL and a
// nats-server in JWT mode. Each agent registers with its own nkey, connects with the NATS
// credentials it was given and sends heartbeats as requests to the hub's relay, which answers
// after JetStream stored them (as the agent does). Prints a table.
import type { ChildProcess } from 'node:child_process';
import { pool, spawnControlPlane, stopProcess } from './support/control-plane-process.js';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createUser } from '@flotilla/nats-auth';
import {
  AGENT_CONSUMER,
  AGENT_STREAM,
  PROTOCOL_VERSION,
  RegisterResponse,
  RelayReply,
  subjects,
} from '@flotilla/protocol';
import { AgentRelay } from '@flotilla/relay';
import { createTestDatabase, startNats } from '@flotilla/testing';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const CONCURRENCY = 16;
const ADMIN_TOKEN = `bench-admin-${'x'.repeat(40)}`;
const FACTS = { kubeVersion: 'v1.31.2', agentVersion: '0.1.0', provider: 'bench', region: 'local', nodeCount: 3 };

const db = await createTestDatabase();
const nats = await startNats();
let child: ChildProcess | undefined;
const conns: NatsConnection[] = [];

function startControlPlane(): Promise<string> {
  const cp = spawnControlPlane({
    DATABASE_URL: db.url,
    NATS_URL: nats.url,
    NATS_HUB_JWT: nats.hub.jwt,
    NATS_HUB_SEED: nats.hub.seed,
    NATS_ACCOUNT_SEED: nats.trust.accountSeed,
    ADMIN_TOKEN,
    FLOTILLA_SECRET_KEY: randomBytes(32).toString('base64'),
    REGISTER_RATE_LIMIT_PER_MINUTE: String(AGENTS * 10),
  });
  child = cp.child;
  return cp.url;
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

let retried = 0;
/** One heartbeat as a relay request; like the agent, sends again after a retryable refusal (counted). */
async function heartbeat(nc: NatsConnection, clusterId: string, seq: number, nodeCount: number): Promise<void> {
  const hb = {
    protocol: PROTOCOL_VERSION,
    clusterId,
    sentAt: new Date().toISOString(),
    seq,
    facts: { ...FACTS, nodeCount },
  };
  for (let attempt = 1; ; attempt++) {
    const msg = await nc.request(subjects.relay(clusterId, 'heartbeat'), JSON.stringify(hb), { timeout: 30_000 });
    const reply = RelayReply.parse(msg.json());
    if (reply.ok) return;
    if (!reply.retryable || attempt >= 5) throw new Error(`relay refused a heartbeat: ${reply.code} ${reply.error}`);
    retried++;
    await new Promise((r) => setTimeout(r, 100 * attempt));
  }
}

async function ingested(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('flotilla_heartbeats_ingested_total '));
  return line ? Number(line.split(' ')[1]) : 0;
}

try {
  const url = await startControlPlane();
  const gql = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({
      query: `mutation { createRegistrationToken(input: { name: "bench", tags: ["bench"], expiresIn: 3600, maxUses: ${AGENTS} }) { token } }`,
    }),
  });
  const token = ((await gql.json()) as { data: { createRegistrationToken: { token: string } } }).data
    .createRegistrationToken.token;
  const keys = Array.from({ length: AGENTS }, () => createUser());

  // Registration: AGENTS agents, CONCURRENCY at a time.
  const replies: RegisterResponse[] = new Array(AGENTS);
  const latencies: number[] = [];
  const t0 = performance.now();
  await pool(keys, CONCURRENCY, async (key, i) => {
    const s = performance.now();
    const res = await fetch(`${url}/v1/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        protocol: PROTOCOL_VERSION,
        token,
        name: `bench-${i}`,
        natsPublicKey: key.publicKey,
        facts: FACTS,
      }),
    });
    if (res.status !== 201) throw new Error(`registration ${i} failed: ${res.status} ${await res.text()}`);
    replies[i] = RegisterResponse.parse(await res.json());
    latencies.push(performance.now() - s);
  });
  const regSeconds = (performance.now() - t0) / 1000;

  // Each agent connects with its own credentials.
  const c0 = performance.now();
  await pool(keys, 10, async (key, i) => {
    const r = replies[i]!;
    conns[i] = await nats.connect({
      jwt: r.nats.jwt,
      seed: key.seed,
      publicKey: key.publicKey,
      inboxPrefix: r.nats.inboxPrefix,
    });
  });
  const connectSeconds = (performance.now() - c0) / 1000;

  // Baseline in the same run: the same heartbeats published straight to JetStream, as agents did
  // before the relay (a user allowed to publish on the stream subjects, which agents no longer are).
  const total = AGENTS * ROUNDS;
  const direct = await nats.userFor({ pub: { allow: [subjects.agentAll] }, sub: { allow: ['_INBOX_DIRECT.>'] } });
  const directConns: NatsConnection[] = [];
  await pool(Array.from({ length: 200 }), 10, async () => {
    directConns.push(await nats.connect({ ...direct, inboxPrefix: '_INBOX_DIRECT' }));
  });
  conns.push(...directConns);
  const b0 = performance.now();
  const baseBefore = await ingested(url);
  for (let round = 0; round < ROUNDS; round++) {
    await pool(replies, 200, async (r, i) => {
      const hb = {
        protocol: PROTOCOL_VERSION,
        clusterId: r.clusterId,
        sentAt: new Date().toISOString(),
        seq: round,
        facts: { ...FACTS, nodeCount: round },
      };
      await jetstream(directConns[i % directConns.length]!).publish(
        subjects.agent(r.clusterId, 'heartbeat'),
        JSON.stringify(hb),
      );
    });
  }
  const basePublishSeconds = (performance.now() - b0) / 1000;
  while ((await ingested(url)) - baseBefore < total) await new Promise((r) => setTimeout(r, 20));
  const baseIngestSeconds = (performance.now() - b0) / 1000;

  // Heartbeats: ROUNDS rounds, every agent sends one per round through the relay (acked after JetStream's ack).
  const before = await ingested(url);
  const h0 = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    await pool(conns.slice(0, AGENTS), 200, (nc, i) => heartbeat(nc, replies[i]!.clusterId, ROUNDS + round, round));
  }
  const publishSeconds = (performance.now() - h0) / 1000;
  while ((await ingested(url)) - before < total) await new Promise((r) => setTimeout(r, 20));
  const ingestSeconds = (performance.now() - h0) / 1000;

  // Backlog drain: heartbeats queued in JetStream while the control plane is down (relayed by a
  // standby relay, as another hub replica would), then the time its durable consumer needs to
  // write them all once it is back (pure ingest rate).
  await stopProcess(child);
  const hub = await nats.connect(nats.hub);
  conns.push(hub);
  const standby = new AgentRelay({ nc: hub, logger: { warn: () => undefined, error: (m) => console.error(m) } });
  standby.start();
  for (let round = 0; round < ROUNDS; round++) {
    await pool(conns.slice(0, AGENTS), 200, (nc, i) => heartbeat(nc, replies[i]!.clusterId, 2 * ROUNDS + round, round));
  }
  await standby.stop();
  const jsm = await jetstreamManager(hub);
  const backlog = async () => {
    const info = await jsm.consumers.info(AGENT_STREAM, AGENT_CONSUMER);
    return { undelivered: info.num_pending, unacked: info.num_pending + info.num_ack_pending };
  };
  if ((await backlog()).unacked !== total)
    throw new Error(`expected a backlog of ${total}, found ${(await backlog()).unacked}`);
  void startControlPlane();
  let drainStart = 0;
  for (;;) {
    const { undelivered, unacked } = await backlog();
    if (!drainStart && undelivered < total) drainStart = performance.now();
    if (unacked === 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const drainSeconds = (performance.now() - drainStart) / 1000;

  const rows: [string, string][] = [
    ['agents', String(AGENTS)],
    ['registrations/s', (AGENTS / regSeconds).toFixed(0)],
    ['registration p50 / p99 (ms)', `${pct(latencies, 50).toFixed(1)} / ${pct(latencies, 99).toFixed(1)}`],
    ['agent NATS connects/s', (AGENTS / connectSeconds).toFixed(0)],
    ['heartbeats per phase', String(total)],
    ['baseline: published straight to JetStream and acked/s (pre-relay)', (total / basePublishSeconds).toFixed(0)],
    ['baseline: ingested/s, live (publish start → all in PostgreSQL)', (total / baseIngestSeconds).toFixed(0)],
    ['relay: sent and acked/s (answer after the JetStream ack)', (total / publishSeconds).toFixed(0)],
    ['relay: ingested/s, live (send start → all in PostgreSQL)', (total / ingestSeconds).toFixed(0)],
    ['relay: requests sent again after a retryable refusal (busy, JetStream slow)', String(retried)],
    ['relay / baseline, acked rate', (basePublishSeconds / publishSeconds).toFixed(2)],
    ['relay / baseline, live ingest rate', (baseIngestSeconds / ingestSeconds).toFixed(2)],
    [`heartbeats ingested/s, backlog of ${total} drained after restart`, (total / drainSeconds).toFixed(0)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${'metric'.padEnd(w)} | value\n${'-'.repeat(w)}-|------`);
  for (const [k, v] of rows) console.log(`${k.padEnd(w)} | ${v}`);
} finally {
  await Promise.all(conns.map((c) => c?.close().catch(() => undefined)));
  await stopProcess(child);
  await nats[Symbol.asyncDispose]();
  await db.drop();
}

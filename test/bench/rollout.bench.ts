// bench:rollout — 1,000 protocol-level fake agents against a real control plane (its own
// process), PostgreSQL, a JWT-mode nats-server and git http-backend. Each agent registers, watches
// its own desired-state key as its NATS user and publishes a SyncReport through JetStream after
// BENCH_APPLY_DELAY_MS. Scenario 1: a commit to a shared base, three waves (canary / edge-eu /
// rest): commit → whole fleet converged, and the engine's overhead per wave (wave duration minus
// the apply delay; soak 0). Scenario 2: a commit that changes 100 of the 1,000 clusters' paths,
// zero apply delay: commit (announced by a signed webhook) → rollout Succeeded. Scenario 3: a
// bad image on the shared base fails the canary wave (its agents report Degraded), the hub pushes
// the revert commit, and every cluster is placed on it: revert push → all 1,000 clusters have the
// revert revision (issue 14: at once, not at the next poll; the poll interval here is an hour).
// Prints a table.
import type { ChildProcess } from 'node:child_process';
import { pool, spawnControlPlane, stopProcess } from './support/control-plane-process.js';
import { createHmac } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { createUser } from '@flotilla/nats-auth';
import { PROTOCOL_VERSION, RegisterResponse, subjects } from '@flotilla/protocol';
import { createTestDatabase, runGit, startGitServer, startNats } from '@flotilla/testing';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const APPLY_DELAY_MS = Number(process.env.BENCH_APPLY_DELAY_MS ?? 200);
const ADMIN_TOKEN = `bench-admin-${'x'.repeat(40)}`;
const WEBHOOK_SECRET = 'bench-webhook-secret-123';
const FACTS = { kubeVersion: 'v1.31.2', agentVersion: '0.1.0', provider: 'bench', region: 'local', nodeCount: 3 };
const FLEET = `onFailure: rollback\nhealthTimeout: 5m\nwaves:\n  - name: canary\n    selector: { allOf: [canary] }\n  - name: edge-eu\n    selector: { allOf: [edge-eu] }\n  - name: rest\n    rest: true\n`;
const deploy = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: web }\nspec:\n  template:\n    spec:\n      containers: [{ name: web, image: "${image}" }]\n`;
const name = (i: number) => `bench-${String(i).padStart(4, '0')}`;
const tagsOf = (i: number) => (i < 10 ? ['canary'] : i < 10 + Math.round(AGENTS * 0.3) ? ['edge-eu'] : ['edge-us']);

const db = await createTestDatabase();
const nats = await startNats();
const git = await startGitServer();
let child: ChildProcess | undefined;
const conns: NatsConnection[] = [];
let applyDelayMs = APPLY_DELAY_MS;
/** Images whose revisions the fake agents report Degraded (scenario 3). */
const badRevisions = new Set<string>();

function startControlPlane(): Promise<string> {
  const cp = spawnControlPlane({
    DATABASE_URL: db.url,
    NATS_URL: nats.url,
    NATS_HUB_JWT: nats.hub.jwt,
    NATS_HUB_SEED: nats.hub.seed,
    NATS_ACCOUNT_SEED: nats.trust.accountSeed,
    ADMIN_TOKEN,
    REGISTER_RATE_LIMIT_PER_MINUTE: String(AGENTS * 10),
    HEARTBEAT_INTERVAL_SECONDS: '600',
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

const until = async <T>(fn: () => Promise<T | undefined | false>, ms: number, what: string): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Pushes a commit and announces it with a signed GitHub-style webhook (no waiting for a poll). */
async function commitAndNotify(
  url: string,
  files: Record<string, string>,
  message: string,
  beforeNotify?: (rev: string) => void,
): Promise<{ rev: string; at: number }> {
  const rev = await git.commit({ files, message });
  beforeNotify?.(rev);
  const at = performance.now();
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
  return { rev, at };
}

interface Wave {
  name: string;
  startedAt: string;
  finishedAt: string;
  clusters: unknown[];
}
const ROLLOUT = `query($rev: String) { rollouts(filter: { revision: $rev }, first: 1) { edges { node { id phase waves { name startedAt finishedAt clusters { clusterId } } } } } }`;

try {
  await runGit(['config', 'http.receivepack', 'true'], { cwd: git.repoPath });
  const files: Record<string, string> = {
    'fleet.yaml': FLEET,
    'bases/web/deploy.yaml': deploy('web:1.0'),
    'bases/web/kustomization.yaml': 'resources: [deploy.yaml]\n',
    'bases/group/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: group, namespace: web }\ndata: { v: "1" }\n',
    'bases/group/kustomization.yaml': 'resources: [cm.yaml]\n',
  };
  for (let i = 0; i < AGENTS; i++)
    files[`clusters/${name(i)}/kustomization.yaml`] =
      `resources: [../../bases/web${i % 10 === 5 ? ', ../../bases/group' : ''}]\n`;
  await git.commit({ files, message: 'fleet' });
  const url = await startControlPlane();
  const tokens = new Map<string, string>();
  for (const tag of ['canary', 'edge-eu', 'edge-us']) {
    const d = await gql<{ createRegistrationToken: { token: string } }>(
      url,
      'mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { token } }',
      { input: { name: tag, tags: [tag], expiresIn: 3600, maxUses: AGENTS } },
    );
    tokens.set(tag, d.createRegistrationToken.token);
  }
  const t0 = performance.now();
  const received = new Map<string, number>(); // `${clusterId} ${revision}` → when the agent got it
  const ids: string[] = new Array(AGENTS);
  await pool(
    Array.from({ length: AGENTS }, (_, i) => i),
    16,
    async (i) => {
      const key = createUser();
      const res = await fetch(`${url}/v1/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          protocol: PROTOCOL_VERSION,
          token: tokens.get(tagsOf(i)[0]!),
          name: name(i),
          natsPublicKey: key.publicKey,
          facts: FACTS,
        }),
      });
      if (res.status !== 201) throw new Error(`registration ${i} failed: ${res.status} ${await res.text()}`);
      const r = RegisterResponse.parse(await res.json());
      ids[i] = r.clusterId;
      const creds = { jwt: r.nats.jwt, seed: key.seed, publicKey: key.publicKey, inboxPrefix: r.nats.inboxPrefix };
      // A loaded 2-core machine can miss the server's auth timeout now and then: retry like an agent would.
      let nc: NatsConnection | undefined;
      for (let attempt = 1; !nc; attempt++) {
        nc = await nats.connect(creds).catch((e: unknown) => {
          if (attempt >= 5) throw e;
          return undefined;
        });
      }
      conns[i] = nc;
      let seq = 0;
      // The agent watches its own desired-state key and answers like an agent after the apply delay.
      nc.subscribe(subjects.desired(r.clusterId), {
        callback: (_e, msg) => {
          if (!msg.data.length) return;
          const { revision } = msg.json<{ revision: string }>();
          received.set(`${r.clusterId} ${revision}`, performance.now());
          setTimeout(() => {
            const now = new Date().toISOString();
            const bad = badRevisions.has(revision);
            const report = {
              protocol: PROTOCOL_VERSION,
              clusterId: r.clusterId,
              seq: ++seq,
              revision,
              appliedRevision: revision,
              startedAt: now,
              finishedAt: now,
              durationMs: 0,
              state: 'Synced',
              health: bad ? 'Degraded' : 'Healthy',
              objects: [],
              sourceAvailable: true,
            };
            // Through the hub's relay, as the agent does (it answers after JetStream stored it).
            void nc
              .request(subjects.relay(r.clusterId, 'sync'), JSON.stringify(report), { timeout: 10_000 })
              .catch(() => undefined);
          }, applyDelayMs);
        },
      });
    },
  );
  const setupSeconds = (performance.now() - t0) / 1000;
  console.error(`${AGENTS} agents registered and connected in ${setupSeconds.toFixed(1)} s`);

  // Scenario 1: shared base → all 1,000 clusters, three waves.
  const s1 = await commitAndNotify(url, { 'bases/web/deploy.yaml': deploy('web:1.1') }, 'web 1.1');
  const converged = await until(
    async () => ids.every((id) => received.has(`${id} ${s1.rev}`)) && performance.now(),
    300_000,
    'fleet on the shared-base commit',
  );
  const r1 = await until(
    async () =>
      (await gql<{ rollouts: { edges: { node: { phase: string; waves: Wave[] } }[] } }>(url, ROLLOUT, { rev: s1.rev }))
        .rollouts.edges[0]?.node,
    60_000,
    'rollout 1',
  );
  const done1 = await until(
    async () => {
      const n = (
        await gql<{ rollouts: { edges: { node: { phase: string; waves: Wave[] } }[] } }>(url, ROLLOUT, { rev: s1.rev })
      ).rollouts.edges[0]?.node;
      return n?.phase === 'SUCCEEDED' && n;
    },
    300_000,
    'rollout 1 succeeded',
  );
  void r1;
  const succeeded1 = performance.now();

  // Scenario 2: 100 of 1,000 clusters (those using bases/group), zero apply delay.
  applyDelayMs = 0;
  const s2 = await commitAndNotify(
    url,
    {
      'bases/group/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: group, namespace: web }\ndata: { v: "2" }\n',
    },
    'group v2',
  );
  const done2 = await until(
    async () => {
      const n = (
        await gql<{ rollouts: { edges: { node: { phase: string; waves: Wave[] } }[] } }>(url, ROLLOUT, { rev: s2.rev })
      ).rollouts.edges[0]?.node;
      return n?.phase === 'SUCCEEDED' && n;
    },
    120_000,
    'rollout 2 succeeded',
  );
  const placed2 = performance.now() - s2.at;
  const targeted = done2.waves.reduce((n, w) => n + w.clusters.length, 0);

  // Scenario 3: a bad commit fails the canary; revert push → every cluster placed on the revert.
  const { rev: badRev } = await commitAndNotify(
    url,
    { 'bases/web/deploy.yaml': deploy('web:broken') },
    'web broken',
    (rev) => badRevisions.add(rev),
  );
  const REVERTED = `query($rev: String) { rollouts(filter: { revision: $rev }, first: 1) { edges { node { phase rollbackRevision } } } }`;
  const revert = await until(
    async () =>
      (
        await gql<{ rollouts: { edges: { node: { rollbackRevision: string | null } }[] } }>(url, REVERTED, {
          rev: badRev,
        })
      ).rollouts.edges[0]?.node.rollbackRevision,
    120_000,
    'the revert commit',
  );
  const seen = performance.now();
  const allPlaced = await until(
    async () => ids.every((id) => received.has(`${id} ${revert}`)) && performance.now(),
    120_000,
    'every cluster on the revert',
  );
  const firstPlaced = Math.min(...ids.map((id) => received.get(`${id} ${revert}`) ?? Infinity));
  const revertAt = Math.min(seen, firstPlaced);

  const rows: [string, string][] = [
    ['agents (registered + connected)', `${AGENTS} in ${setupSeconds.toFixed(1)} s`],
    ['apply delay of the fake agents (scenario 1)', `${APPLY_DELAY_MS} ms`],
    ['1: commit → whole fleet has the revision', `${((converged - s1.at) / 1000).toFixed(2)} s`],
    ['1: commit → rollout Succeeded (all Synced + Healthy)', `${((succeeded1 - s1.at) / 1000).toFixed(2)} s`],
    ...done1.waves.map((w): [string, string] => [
      `1: wave ${w.name} (${w.clusters.length} clusters) engine overhead`,
      `${((Date.parse(w.finishedAt) - Date.parse(w.startedAt) - APPLY_DELAY_MS) / 1000).toFixed(2)} s (wave ${((Date.parse(w.finishedAt) - Date.parse(w.startedAt)) / 1000).toFixed(2)} s)`,
    ]),
    [`2: ${targeted} of ${AGENTS} clusters, zero delay: commit → Succeeded`, `${(placed2 / 1000).toFixed(2)} s`],
    [
      `3: revert push → all ${AGENTS} clusters placed on it (target ≤ 2 s)`,
      `${((allPlaced - revertAt) / 1000).toFixed(2)} s`,
    ],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${'metric'.padEnd(w)} | value\n${'-'.repeat(w)}-|------`);
  for (const [k, v] of rows) console.log(`${k.padEnd(w)} | ${v}`);
} finally {
  await Promise.all(conns.filter(Boolean).map((c) => c.close().catch(() => undefined)));
  await stopProcess(child);
  await git.close();
  await nats[Symbol.asyncDispose]();
  await db.drop();
}

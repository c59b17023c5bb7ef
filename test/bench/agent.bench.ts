// bench:agent — the agent (its own process) against kubectl on one kube-sim: apply 1,000 objects
// to an empty cluster, a no-op resync, a one-object change, drift-to-revert over 100 hand edits,
// and the agent's RSS idle and at 1,000 objects; then the same apply with 5 ms and 20 ms of server
// latency per write and under 5 % 429s (kube-sim's faults), and a cluster of 10,000 objects (no-op
// resync, RSS). Prints a table with ratios and targets.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kvm } from '@nats-io/kv';
import { DESIRED_BUCKET, PROTOCOL_VERSION, SyncReport, subjects } from '@flotilla/protocol';
import { startKubeSim } from '@flotilla/kube-sim';
import { runGit, startGitServer, startNats } from '@flotilla/testing';
import { createAgentStream } from '../../apps/agent/test/support/stream.js';
import { spawnAgent, type AgentChild } from '../../apps/agent/test/support/spawn-agent.js';
import { compileAgent } from '../../apps/agent/test/support/compile-agent.js';
import { INVENTORY_NAME, INVENTORY_NAMESPACE } from '../../apps/agent/src/inventory/inventory-store.js';

/** Namespaces of 100 objects each (BENCH_NS; 10 = the 1,000 objects the table names, 100 = 10,000 for sizing). */
const NS = Math.max(1, Number(process.env['BENCH_NS'] ?? 10));
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
/** Namespaces of 100 objects in the large cluster (BENCH_BIG_NS; 100 = 10,000 objects). */
const BIG_NS = Math.max(1, Number(process.env['BENCH_BIG_NS'] ?? 100));
const MiB = 1024 * 1024;

function manifests(prefix: string, version = 'v1', namespaces = NS): Record<string, string> {
  const files: Record<string, string> = {};
  for (let n = 0; n < namespaces; n++) {
    const ns = `${prefix}-${n}`;
    const docs: string[] = [];
    for (let i = 0; i < 40; i++)
      docs.push(
        `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm-${i}, namespace: ${ns} }\ndata: { key: "${version}", other: "x" }\n`,
      );
    for (let i = 0; i < 10; i++)
      docs.push(
        `apiVersion: v1\nkind: Secret\nmetadata: { name: secret-${i}, namespace: ${ns} }\ndata: { password: ${Buffer.from(`pw-${i}`).toString('base64')} }\n`,
      );
    for (let i = 0; i < 15; i++)
      docs.push(`apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: sa-${i}, namespace: ${ns} }\n`);
    for (let i = 0; i < 17; i++)
      docs.push(
        `apiVersion: v1\nkind: Service\nmetadata: { name: svc-${i}, namespace: ${ns} }\nspec: { selector: { app: app-${i} }, ports: [{ port: 80, targetPort: 8080 }] }\n`,
      );
    for (let i = 0; i < 17; i++)
      docs.push(
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: app-${i}, namespace: ${ns} }\nspec:\n  replicas: 2\n  selector: { matchLabels: { app: app-${i} } }\n  template:\n    metadata: { labels: { app: app-${i} } }\n    spec: { containers: [{ name: app, image: "nginx:1.27" }] }\n`,
      );
    files[`${ns}/00-namespace.yaml`] = `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }\n`;
    for (let f = 0; f * 10 < docs.length; f++)
      files[`${ns}/objects-${String(f).padStart(2, '0')}.yaml`] = docs.slice(f * 10, f * 10 + 10).join('---\n');
  }
  return files;
}

const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
/** CPU time (user + system) a process has used, in ms, from /proc. */
const cpuOf = async (pid: number): Promise<number> => {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};
const run = (bin: string, args: string[]) =>
  new Promise<string>((res, rej) =>
    execFile(bin, args, { maxBuffer: 64 * MiB }, (e, out, err) => (e ? rej(new Error(`${err}`)) : res(out))),
  );

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  const dir = await mkdtemp(join(tmpdir(), 'agent-bench-'));
  const nats = await startNats();
  const hub = await nats.connect(nats.hub);
  await createAgentStream(hub);
  const kv = await new Kvm(hub).create(DESIRED_BUCKET, { history: 1 });
  const sim = await startKubeSim({ port: 0, simulate: { delayMs: 10, progressDeadlineScale: 0.01 } });
  const git = await startGitServer();
  const kubectl = (
    (await import(pathToFileURL(join(process.cwd(), 'scripts', 'setup-kubectl.mjs')).href)) as {
      ensureKubectl: () => string;
    }
  ).ensureKubectl();
  const rows: Array<[string, string, string, string]> = [];
  const closers: Array<() => Promise<void>> = [];
  try {
    // kubectl: the same objects under other namespaces, from files on disk.
    const writeSet = async (prefix: string) => {
      for (const [p, c] of Object.entries(manifests(prefix))) {
        await mkdir(join(dir, prefix, p, '..'), { recursive: true });
        await writeFile(join(dir, prefix, p), c);
      }
      return join(dir, prefix);
    };
    const kube = ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(dir, 'kcache')];
    // The agent runs as plain JavaScript (compiled first), as it would be shipped: no TypeScript loader in its RSS.
    const compiled = await compileAgent();

    // Sync reports are taken as they are published (a core subscription on the agent's sync
    // subject, by an observer allowed only that), not polled: polling ran in this process, beside
    // kube-sim, during the agent's apply, and rounded the agent's time up to the next 50 ms.
    // Each arrival is timed on receipt.
    const observeReports = async (clusterId: string, agent: AgentChild) => {
      const observer = await nats.connect(
        await nats.userFor(
          { pub: { allow: ['bench.observer.none'] }, sub: { allow: [subjects.agent(clusterId, 'sync')] } },
          { name: 'bench-report-observer' },
        ),
      );
      closers.push(() => observer.close());
      const arrived = new Map<string, { at: number; report: unknown }>();
      const waiting = new Map<string, () => void>();
      observer.subscribe(subjects.agent(clusterId, 'sync'), {
        callback: (err, msg) => {
          if (err) throw new Error(`bench: report subscription failed: ${err.message}`);
          const at = performance.now();
          const report = msg.json<{ revision?: string }>();
          if (typeof report.revision !== 'string') return;
          arrived.set(report.revision, { at, report });
          waiting.get(report.revision)?.();
        },
      });
      /** The report for `rev` and the time it arrived. */
      const until = async (rev: string, timeoutMs = 120_000): Promise<[SyncReport, number]> => {
        if (!arrived.has(rev)) {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () =>
                reject(
                  new Error(
                    `no report for ${rev} after ${timeoutMs / 1000} s; agent logs: ${JSON.stringify(agent.logs.slice(-5))}`,
                  ),
                ),
              timeoutMs,
            );
            waiting.set(rev, () => (clearTimeout(timer), resolve()));
          });
        }
        const { at, report } = arrived.get(rev)!;
        return [SyncReport.parse(report), at];
      };
      return { until };
    };

    /**
     * One round: kubectl applies 1,000 objects from files, then a fresh agent (empty state dir)
     * applies 1,000 others from a fresh commit (on the same kube-sim, as another cluster would). Rounds run back to back and the table shows the
     * median one: a single pair of runs on two shared cores swings by ±15%.
     */
    const round = async (r: number, keep: boolean, o: { namespaces?: number; kubectl?: boolean } = {}) => {
      const namespaces = o.namespaces ?? NS;
      let kubectlMs = NaN;
      let kubectlSimCpuMs = NaN;
      if (o.kubectl !== false) {
        const kdir = await writeSet(`bench-k${r}`);
        const kcpu0 = process.cpuUsage();
        [, kubectlMs] = await time(() =>
          run(kubectl, [...kube, 'apply', '--server-side', '--field-manager=bench-kubectl', '-R', '-f', kdir]),
        );
        kubectlSimCpuMs = (process.cpuUsage(kcpu0).user + process.cpuUsage(kcpu0).system) / 1000;
      }

      const prefix = `bench-a${r}`;
      const path = `clusters/bench-${r}`;
      // Only this round's files: the tree the agent fetches holds 1,000 objects, not every round's.
      const previous =
        r > 0
          ? Object.fromEntries(
              Object.keys(manifests(`bench-a${r - 1}`)).map((p) => [`clusters/bench-${r - 1}/${p}`, null]),
            )
          : {};
      const files = {
        ...previous,
        ...Object.fromEntries(Object.entries(manifests(prefix, 'v1', namespaces)).map(([p, c]) => [`${path}/${p}`, c])),
      };
      const rev = await git.commit({ files, message: `${namespaces * 100} objects (round ${r})` });
      // A push of this size leaves a pack on the server (git keeps received packs of more than
      // receive.unpackLimit = 100 objects); commit() wrote loose objects, so pack them as a push would.
      await runGit(['repack', '-d', '-q'], { cwd: git.repoPath });
      const clusterId = randomUUID();
      const agent = await spawnAgent({
        nats,
        clusterId,
        stateDir: join(dir, `state-${r}`),
        kubeconfig: sim.kubeconfigPath,
        logLevel: 'info',
        compiled,
      });
      await new Promise((res) => setTimeout(res, 1000));
      const rssIdle = await agent.rss();
      const reports = await observeReports(clusterId, agent);
      const put = (revision: string) =>
        kv.put(
          clusterId,
          JSON.stringify({
            protocol: PROTOCOL_VERSION,
            clusterId,
            repoUrl: git.url,
            branch: 'main',
            path,
            revision,
            prune: true,
            selfHeal: true,
            updatedAt: new Date().toISOString(),
          }),
        );
      sim.resetCounters();
      const cpu0 = process.cpuUsage();
      const agentCpu0 = await cpuOf(agent.proc.pid!);
      const putAt = performance.now();
      await put(rev);
      const [first, firstAt] = await reports.until(rev, namespaces > NS ? 900_000 : 120_000);
      const out = {
        r,
        prefix,
        path,
        agent,
        put,
        until: reports.until,
        first,
        rssIdle,
        kubectlMs,
        kubectlSimCpuMs,
        agentWallMs: firstAt - putAt,
        simCpuMs: (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000,
        agentCpuMs: (await cpuOf(agent.proc.pid!)) - agentCpu0,
        writes: (sim.counters['apply'] ?? 0) + (sim.counters['patch'] ?? 0),
        stage: (name: string) =>
          (agent.logs.find((l) => l['stage'] === name && typeof l['ms'] === 'number')?.['ms'] as number | undefined) ??
          NaN,
      };
      if (!keep) {
        // The next round's agent stands for another cluster's: it must not find (and prune by)
        // this one's inventory. This round's objects stay, owned by nobody.
        await agent.kill();
        await new Promise<void>((resolve, reject) => {
          const target = new URL(sim.url);
          const req = request(
            {
              host: target.hostname,
              port: target.port,
              method: 'DELETE',
              path: `/api/v1/namespaces/${INVENTORY_NAMESPACE}/configmaps/${INVENTORY_NAME}`,
            },
            (res) =>
              res
                .resume()
                .on('end', () =>
                  res.statusCode === 200
                    ? resolve()
                    : reject(new Error(`bench: deleting the inventory answered ${res.statusCode}`)),
                ),
          );
          req.on('error', reject);
          req.end();
        });
      }
      return out;
    };
    // Round 0 is a warm-up, not counted: kube-sim's code paths for both clients compiled,
    // kubectl's discovery cached, so no measured run meets a cold server.
    await round(0, false);
    const rounds: Array<Awaited<ReturnType<typeof round>>> = [];
    for (let r = 1; r <= ROUNDS; r++) rounds.push(await round(r, r === ROUNDS));
    const speedup = (x: (typeof rounds)[number]) => x.kubectlMs / x.agentWallMs;
    const median = [...rounds].sort((a, b) => speedup(a) - speedup(b))[Math.floor(rounds.length / 2)]!;
    // What follows runs on the last round's agent, which manages its 1,000 objects.
    const last = rounds.at(-1)!;
    const { agent, put, until, prefix, path } = last;

    sim.resetCounters();
    const logMark = agent.logs.length;
    const resync = await agent.resync();
    const resyncStages = agent.logs
      .slice(logMark)
      .filter((l) => typeof l['ms'] === 'number' && l['stage'] !== 'reconcile')
      .map((l) => `${String(l['stage'])} ${String(l['ms'])}`)
      .join(', ');
    const resyncServer = Object.values(sim.counters).reduce((a, b) => a + b, 0);

    const rev2 = await git.commit({
      files: {
        [`${path}/${prefix}-0/objects-00.yaml`]: manifests(prefix)[`${prefix}-0/objects-00.yaml`]!.replace(
          /key: "v1"/,
          'key: "changed"',
        ),
      },
      message: 'one change',
    });
    sim.resetCounters();
    const changeAt = performance.now();
    await put(rev2);
    const [changed, changedAt] = await until(rev2);
    const changeMs = changedAt - changeAt;
    const changeWrites = (sim.counters['apply'] ?? 0) + (sim.counters['patch'] ?? 0);
    const rssFull = await agent.rss();

    // Drift: 100 hand edits of a Deployment's replicas; time from the edit to the revert landing.
    const latencies: number[] = [];
    const url = new URL(sim.url);
    for (let i = 0; i < 100; i++) {
      const ns = `${prefix}-${i % NS}`;
      const name = `app-${i % 17}`;
      const reverted = new Promise<number>((resolve) => {
        const off = sim.api.store.subscribe(
          (e: { obj?: { metadata?: { name?: string; namespace?: string }; spec?: { replicas?: number } } }) => {
            const o = e.obj;
            if (o?.metadata?.name === name && o.metadata.namespace === ns && o.spec?.replicas === 2) {
              off();
              resolve(performance.now());
            }
          },
        );
      });
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            method: 'PATCH',
            path: `/apis/apps/v1/namespaces/${ns}/deployments/${name}?fieldManager=kubectl-edit`,
            headers: { 'content-type': 'application/merge-patch+json' },
          },
          (res) => res.resume().on('end', resolve),
        );
        req.on('error', reject);
        req.end(JSON.stringify({ spec: { replicas: 9 } }));
      });
      latencies.push((await reverted) - t0);
      await new Promise((r) => setTimeout(r, 20));
    }

    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    const m = median;
    rows.push([
      `apply 1,000 objects, empty cluster (wall; median of ${rounds.length})`,
      `${m.agentWallMs.toFixed(0)} ms (${(1e6 / m.agentWallMs).toFixed(0)}/s)`,
      `${m.kubectlMs.toFixed(0)} ms (${(1e6 / m.kubectlMs).toFixed(0)}/s)`,
      `${ratio(m.kubectlMs, m.agentWallMs)} kubectl (target ≥ 2×)`,
    ]);
    rows.push([
      '  every round: agent / kubectl',
      rounds.map((x) => x.agentWallMs.toFixed(0)).join(', ') + ' ms',
      rounds.map((x) => x.kubectlMs.toFixed(0)).join(', ') + ' ms',
      rounds.map((x) => ratio(x.kubectlMs, x.agentWallMs)).join(', '),
    ]);
    rows.push([
      '  CPU during the apply: kube-sim / client',
      `${m.simCpuMs.toFixed(0)} / ${m.agentCpuMs.toFixed(0)} ms`,
      `${m.kubectlSimCpuMs.toFixed(0)} ms / (kubectl)`,
      'kube-sim runs in the bench process',
    ]);
    // kubectl reads the files from local disk; the agent first fetches them from Git. From the
    // files in hand on (render, plan, apply, prune, health) both do the same work.
    const fromFilesMs = ['render', 'plan', 'apply', 'prune', 'health'].reduce((sum, st) => sum + m.stage(st), 0);
    rows.push([
      '  from the files in hand (all but the Git fetch)',
      `${fromFilesMs} ms (${(1e6 / fromFilesMs).toFixed(0)}/s)`,
      '',
      `${ratio(m.kubectlMs, fromFilesMs)} kubectl`,
    ]);
    rows.push([
      '  of which the apply stage',
      `${m.stage('apply')} ms (${(1e6 / m.stage('apply')).toFixed(0)}/s)`,
      '',
      `${ratio(m.kubectlMs, m.stage('apply'))} kubectl`,
    ]);
    rows.push([
      '  agent stages source/render/plan/health',
      ['source', 'render', 'plan', 'health'].map((st) => m.stage(st)).join('/') + ' ms',
      '',
      `writes: ${m.writes}, state ${m.first.state}/${m.first.health}`,
    ]);
    rows.push([
      'no-op resync of 1,000 objects',
      `${resync.ms.toFixed(0)} ms, ${resync.requests} requests`,
      '',
      `server saw ${resyncServer} requests (target < 300 ms, no request per object)`,
    ]);
    rows.push(['  resync stages (ms)', resyncStages, '', '']);
    rows.push([
      'change one object (wall, commit → report)',
      `${changeMs.toFixed(0)} ms, ${changeWrites} writes`,
      '',
      `${changed.objects.filter((o) => o.action === 'configured').length} configured, agent ${changed.durationMs} ms`,
    ]);
    rows.push([
      'drift → revert, 100 hand edits',
      `p50 ${pct(latencies, 50).toFixed(0)} ms, p99 ${pct(latencies, 99).toFixed(0)} ms`,
      '',
      'target p99 < 1,000 ms',
    ]);
    const idle = rounds.map((x) => x.rssIdle / MiB).sort((a, b) => a - b);
    rows.push([
      'agent RSS idle (median; every round)',
      `${idle[Math.floor(idle.length / 2)]!.toFixed(1)} MiB`,
      '',
      `${rounds.map((x) => (x.rssIdle / MiB).toFixed(1)).join(', ')} (target ≤ 96 MiB)`,
    ]);
    rows.push([
      `agent RSS at ${(NS * 100).toLocaleString('en')} objects`,
      `${(rssFull / MiB).toFixed(1)} MiB`,
      '',
      'target ≤ 160 MiB',
    ]);
    await agent.kill();

    // Server-side conditions (kube-sim's faults), one round each, numbered on from the last:
    // latency per write as etcd and a network add it, then API Priority and Fairness throttling.
    let next = ROUNDS + 1;
    for (const latency of [5, 20]) {
      sim.setFaults({ writeLatencyMs: latency });
      const x = await round(next++, false);
      sim.setFaults({});
      rows.push([
        `apply 1,000 objects, ${latency} ms server latency per write`,
        `${x.agentWallMs.toFixed(0)} ms (apply stage ${x.stage('apply')} ms)`,
        `${x.kubectlMs.toFixed(0)} ms`,
        `${ratio(x.kubectlMs, x.agentWallMs)} kubectl${latency === 5 ? ' (target ≥ 8×)' : ''}; state ${x.first.state}`,
      ]);
    }
    sim.setFaults({ throttle: 0.05 });
    const throttled = await round(next++, false, { kubectl: false });
    const injected = Object.entries(sim.faultsInjected)
      .filter(([k]) => k.startsWith('throttle/'))
      .reduce((a, [, n]) => a + n, 0);
    sim.setFaults({});
    const failedObjects = throttled.first.objects.filter((o) => o.action === 'failed').length;
    rows.push([
      'apply 1,000 objects, 5 % of requests 429 (Retry-After 1 s)',
      `${throttled.agentWallMs.toFixed(0)} ms, ${throttled.first.kubeRetries ?? 0} retries`,
      '',
      `state ${throttled.first.state}, ${failedObjects} failed objects (target 0); sim sent ${injected} 429s in all`,
    ]);

    // A large cluster: one agent applies 10,000 objects (Deployments with status, managedFields on all).
    const big = await round(next++, true, { namespaces: BIG_NS, kubectl: false });
    const bigRssAfterApply = await big.agent.rss();
    sim.resetCounters();
    const bigResync = await big.agent.resync();
    const bigServer = Object.values(sim.counters).reduce((a, b) => a + b, 0);
    // Settled: no pass running, garbage collected by the runtime in its own time; sampled again.
    await new Promise((res) => setTimeout(res, 2000));
    const bigRss = Math.max(bigRssAfterApply, await big.agent.rss());
    const bigCount = (BIG_NS * 100).toLocaleString('en');
    rows.push([
      `apply ${bigCount} objects, empty cluster (wall)`,
      `${big.agentWallMs.toFixed(0)} ms`,
      '',
      `state ${big.first.state}/${big.first.health}, apply stage ${big.stage('apply')} ms`,
    ]);
    rows.push([
      `no-op resync of ${bigCount} objects`,
      `${bigResync.ms.toFixed(0)} ms, ${bigResync.requests} requests`,
      '',
      `server saw ${bigServer} requests (target ≤ 1,000 ms, no request per object)`,
    ]);
    rows.push([`agent RSS at ${bigCount} objects`, `${(bigRss / MiB).toFixed(1)} MiB`, '', 'target ≤ 200 MiB']);
    await big.agent.kill();
  } finally {
    for (const close of closers) await close();
    await hub.close();
    await nats[Symbol.asyncDispose]();
    await sim.close();
    await git.close();
    await rm(dir, { recursive: true, force: true });
  }
  const widths = [0, 1, 2, 3].map((i) =>
    Math.max(...[['metric', 'agent', 'kubectl', 'ratio / target'], ...rows].map((r) => r[i]!.length)),
  );
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(['metric', 'agent', 'kubectl', 'ratio / target']));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log(
    `A warm-up round (not counted) comes first; each round applies 1,000 new objects with kubectl, then 1,000 others with a fresh agent. agent: a fresh process with an empty state dir (nothing cached across runs); its time is from the desired-state put to the sync report's arrival (taken by subscription). Load average (1 min) ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after, on ${cpus().length} cores.`,
  );
}

await main();

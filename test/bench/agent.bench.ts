// bench:agent — the agent (its own process) against kubectl on one kube-sim: apply 1,000 objects
// to an empty cluster, a no-op resync, a one-object change, drift-to-revert over 100 hand edits,
// and the agent's RSS idle and at 1,000 objects. Prints a table with ratios and targets.
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
import { startGitServer, startNats } from '@flotilla/testing';
import { createAgentStream } from '../../apps/agent/test/support/stream.js';
import { spawnAgent } from '../../apps/agent/test/support/spawn-agent.js';
import { compileAgent } from '../../apps/agent/test/support/compile-agent.js';

const NS = 10;
const MiB = 1024 * 1024;

function manifests(prefix: string, version = 'v1'): Record<string, string> {
  const files: Record<string, string> = {};
  for (let n = 0; n < NS; n++) {
    const ns = `${prefix}-${n}`;
    const docs: string[] = [];
    for (let i = 0; i < 40; i++) docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm-${i}, namespace: ${ns} }\ndata: { key: "${version}", other: "x" }\n`);
    for (let i = 0; i < 10; i++) docs.push(`apiVersion: v1\nkind: Secret\nmetadata: { name: secret-${i}, namespace: ${ns} }\ndata: { password: ${Buffer.from(`pw-${i}`).toString('base64')} }\n`);
    for (let i = 0; i < 15; i++) docs.push(`apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: sa-${i}, namespace: ${ns} }\n`);
    for (let i = 0; i < 17; i++) docs.push(`apiVersion: v1\nkind: Service\nmetadata: { name: svc-${i}, namespace: ${ns} }\nspec: { selector: { app: app-${i} }, ports: [{ port: 80, targetPort: 8080 }] }\n`);
    for (let i = 0; i < 17; i++) docs.push(`apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: app-${i}, namespace: ${ns} }\nspec:\n  replicas: 2\n  selector: { matchLabels: { app: app-${i} } }\n  template:\n    metadata: { labels: { app: app-${i} } }\n    spec: { containers: [{ name: app, image: "nginx:1.27" }] }\n`);
    files[`${ns}/00-namespace.yaml`] = `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }\n`;
    for (let f = 0; f * 10 < docs.length; f++) files[`${ns}/objects-${String(f).padStart(2, '0')}.yaml`] = docs.slice(f * 10, f * 10 + 10).join('---\n');
  }
  return files;
}

const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
/** CPU time (user + system) a process has used, in ms, from /proc. */
const cpuOf = async (pid: number): Promise<number> => {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};
const run = (bin: string, args: string[]) => new Promise<string>((res, rej) => execFile(bin, args, { maxBuffer: 64 * MiB }, (e, out, err) => (e ? rej(new Error(`${err}`)) : res(out))));

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  const dir = await mkdtemp(join(tmpdir(), 'agent-bench-'));
  const nats = await startNats();
  const hub = await nats.connect(nats.hub);
  await createAgentStream(hub);
  const kv = await new Kvm(hub).create(DESIRED_BUCKET, { history: 1 });
  const sim = await startKubeSim({ port: 0, simulate: { delayMs: 10, progressDeadlineScale: 0.01 } });
  const git = await startGitServer();
  const clusterId = randomUUID();
  const kubectl = ((await import(pathToFileURL(join(process.cwd(), 'scripts', 'setup-kubectl.mjs')).href)) as { ensureKubectl: () => string }).ensureKubectl();
  const rows: Array<[string, string, string, string]> = [];
  const closers: Array<() => Promise<void>> = [];
  try {
    // kubectl: the same objects under other namespaces, from files on disk.
    const kfiles = manifests('bench-k');
    for (const [p, c] of Object.entries(kfiles)) {
      await mkdir(join(dir, 'k', p, '..'), { recursive: true });
      await writeFile(join(dir, 'k', p), c);
    }
    const kube = ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(dir, 'kcache')];
    await run(kubectl, [...kube, 'api-resources']);
    console.error(`bench: ${new Date().toISOString()} %s`, 'const [, kubectlMs] = await time(');
    const kcpu0 = process.cpuUsage();
    const [, kubectlMs] = await time(() => run(kubectl, [...kube, 'apply', '--server-side', '--field-manager=bench-kubectl', '-R', '-f', join(dir, 'k')]));

    const kubectlSimCpuMs = (process.cpuUsage(kcpu0).user + process.cpuUsage(kcpu0).system) / 1000;
    const files = Object.fromEntries(Object.entries(manifests('bench-a')).map(([p, c]) => [`clusters/bench/${p}`, c]));
    const rev1 = await git.commit({ files, message: '1,000 objects' });
    console.error(`bench: ${new Date().toISOString()} %s`, 'const agent = await spawnAgent(');
    // The agent runs as plain JavaScript (compiled first), as it would be shipped: no TypeScript loader in its RSS.
    const compiled = await compileAgent();
    const agent = await spawnAgent({ nats, clusterId, stateDir: join(dir, 'state'), kubeconfig: sim.kubeconfigPath, logLevel: 'info', compiled });
    await new Promise((r) => setTimeout(r, 1000));
    const rssIdle = await agent.rss();

    // Sync reports are taken as they are published (a core subscription on the agent's sync
    // subject, by an observer allowed only that), not polled: polling ran in this process, beside
    // kube-sim, during the agent's apply, and rounded the agent's time up to the next 50 ms.
    // Each arrival is timed on receipt.
    const observer = await nats.connect(await nats.userFor({ pub: { allow: ['bench.observer.none'] }, sub: { allow: [subjects.agent(clusterId, 'sync')] } }, { name: 'bench-report-observer' }));
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
    const until = async (rev: string): Promise<[SyncReport, number]> => {
      if (!arrived.has(rev)) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no report for ${rev} after 120 s; agent logs: ${JSON.stringify(agent.logs.slice(-5))}`)), 120_000);
          waiting.set(rev, () => (clearTimeout(timer), resolve()));
        });
      }
      const { at, report } = arrived.get(rev)!;
      return [SyncReport.parse(report), at];
    };
    const put = (revision: string) => kv.put(clusterId, JSON.stringify({ protocol: PROTOCOL_VERSION, clusterId, repoUrl: git.url, branch: 'main', path: 'clusters/bench', revision, prune: true, selfHeal: true, updatedAt: new Date().toISOString() }));
    sim.resetCounters();
    console.error(`bench: ${new Date().toISOString()} %s`, 'const [first, agentWallMs] =');
    const cpu0 = process.cpuUsage();
    const agentCpu0 = await cpuOf(agent.proc.pid!);
    const putAt = performance.now();
    await put(rev1);
    const [first, firstAt] = await until(rev1);
    const agentWallMs = firstAt - putAt;
    const simCpuMs = (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000;
    const agentCpuMs = (await cpuOf(agent.proc.pid!)) - agentCpu0;
    const applyWrites = (sim.counters['apply'] ?? 0) + (sim.counters['patch'] ?? 0);
    const stageMs = (name: string) => agent.logs.filter((l) => l['stage'] === name && typeof l['ms'] === 'number').map((l) => l['ms'] as number).at(-1) ?? NaN;
    const applyMs = stageMs('apply');

    sim.resetCounters();
    console.error(`bench: ${new Date().toISOString()} %s`, 'const resync = await agent.resync();');
    const logMark = agent.logs.length;
    const resync = await agent.resync();
    const resyncStages = agent.logs.slice(logMark).filter((l) => typeof l['ms'] === 'number' && l['stage'] !== 'reconcile').map((l) => `${String(l['stage'])} ${String(l['ms'])}`).join(', ');
    const resyncServer = Object.values(sim.counters).reduce((a, b) => a + b, 0);

    const rev2 = await git.commit({ files: { 'clusters/bench/bench-a-0/objects-00.yaml': manifests('bench-a')['bench-a-0/objects-00.yaml']!.replace(/key: "v1"/, 'key: "changed"') }, message: 'one change' });
    sim.resetCounters();
    console.error(`bench: ${new Date().toISOString()} %s`, 'const [changed, changeMs] =');
    const changeAt = performance.now();
    await put(rev2);
    const [changed, changedAt] = await until(rev2);
    const changeMs = changedAt - changeAt;
    const changeWrites = (sim.counters['apply'] ?? 0) + (sim.counters['patch'] ?? 0);
    const rssFull = await agent.rss();

    // Drift: 100 hand edits of a Deployment's replicas; time from the edit to the revert landing.
    console.error(`bench: ${new Date().toISOString()} %s`, 'const latencies: number[] = [];');
    const latencies: number[] = [];
    const url = new URL(sim.url);
    for (let i = 0; i < 100; i++) {
      const ns = `bench-a-${i % NS}`;
      const name = `app-${i % 17}`;
      const reverted = new Promise<number>((resolve) => {
        const off = sim.api.store.subscribe((e: { obj?: { metadata?: { name?: string; namespace?: string }; spec?: { replicas?: number } } }) => {
          const o = e.obj;
          if (o?.metadata?.name === name && o.metadata.namespace === ns && o.spec?.replicas === 2) {
            off();
            resolve(performance.now());
          }
        });
      });
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${name}?fieldManager=kubectl-edit`, headers: { 'content-type': 'application/merge-patch+json' } }, (res) => res.resume().on('end', resolve));
        req.on('error', reject);
        req.end(JSON.stringify({ spec: { replicas: 9 } }));
      });
      latencies.push((await reverted) - t0);
      await new Promise((r) => setTimeout(r, 20));
    }

    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    const kubectlRate = 1000 / (kubectlMs / 1000);
    const agentRate = 1000 / (agentWallMs / 1000);
    rows.push(['apply 1,000 objects, empty cluster (wall)', `${agentWallMs.toFixed(0)} ms (${agentRate.toFixed(0)}/s)`, `${kubectlMs.toFixed(0)} ms (${kubectlRate.toFixed(0)}/s)`, `${ratio(agentRate, kubectlRate)} kubectl (target ≥ 2×)`]);
    rows.push(['  CPU during the apply: kube-sim / client', `${simCpuMs.toFixed(0)} / ${agentCpuMs.toFixed(0)} ms`, `${kubectlSimCpuMs.toFixed(0)} ms / (kubectl)`, 'kube-sim runs in the bench process']);
    // kubectl reads the files from local disk; the agent first fetches them from Git. From the
    // files in hand on (render, plan, apply, prune, health) both do the same work.
    const fromFilesMs = ['render', 'plan', 'apply', 'prune', 'health'].reduce((sum, s) => sum + (agent.logs.find((l) => l['stage'] === s && typeof l['ms'] === 'number')?.['ms'] as number | undefined ?? 0), 0);
    rows.push(['  from the files in hand (all but the Git fetch)', `${fromFilesMs} ms (${(1000 / (fromFilesMs / 1000)).toFixed(0)}/s)`, '', `${ratio(1000 / fromFilesMs, 1000 / kubectlMs)} kubectl`]);
    rows.push(['  of which the apply stage', `${applyMs} ms (${(1000 / (applyMs / 1000)).toFixed(0)}/s)`, '', `${ratio(1000 / applyMs, 1000 / kubectlMs)} kubectl`]);
    rows.push(['  agent stages source/render/plan/health', ['source', 'render', 'plan', 'health'].map((s) => `${agent.logs.filter((l) => l['stage'] === s && typeof l['ms'] === 'number')[0]?.['ms']}`).join('/') + ' ms', '', `writes: ${applyWrites}, state ${first.state}/${first.health}`]);
    rows.push(['no-op resync of 1,000 objects', `${resync.ms.toFixed(0)} ms, ${resync.requests} requests`, '', `server saw ${resyncServer} requests (target < 300 ms, no request per object)`]);
    rows.push(['  resync stages (ms)', resyncStages, '', '']);
    rows.push(['change one object (wall, commit → report)', `${changeMs.toFixed(0)} ms, ${changeWrites} writes`, '', `${changed.objects.filter((o) => o.action === 'configured').length} configured, agent ${changed.durationMs} ms`]);
    rows.push(['drift → revert, 100 hand edits', `p50 ${pct(latencies, 50).toFixed(0)} ms, p99 ${pct(latencies, 99).toFixed(0)} ms`, '', 'target p99 < 1,000 ms']);
    rows.push(['agent RSS idle', `${(rssIdle / MiB).toFixed(1)} MiB`, '', 'target ≤ 96 MiB']);
    rows.push(['agent RSS at 1,000 objects', `${(rssFull / MiB).toFixed(1)} MiB`, '', 'target ≤ 160 MiB']);
    await agent.kill();
  } finally {
    for (const close of closers) await close();
    await hub.close();
    await nats[Symbol.asyncDispose]();
    await sim.close();
    await git.close();
    await rm(dir, { recursive: true, force: true });
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[['metric', 'agent', 'kubectl', 'ratio / target'], ...rows].map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(['metric', 'agent', 'kubectl', 'ratio / target']));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log(`agent: a fresh process with an empty state dir (nothing cached across runs); its time is from the desired-state put to the sync report's arrival (taken by subscription). Load average (1 min) ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after, on ${cpus().length} cores.`);
}

await main();

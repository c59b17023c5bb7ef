/**
 * The demo fleet of `npm start`: six kube-sim clusters, each with its own agent process, tagged
 * like a real fleet (the fleet repository they pull is served by repo-process.ts). Clusters keep their state in .flotilla/clusters/,
 * agents their credential in .flotilla/agents/: a restart needs no new token. The agents run
 * compiled, from .flotilla/agent-build/ (built on every start as the container image is).
 */
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { DEMO_CLUSTERS, type DemoCluster } from './demo-repo.js';

/** How long a stopping agent may take to send its last report and close NATS before it is killed. */
const AGENT_STOP_GRACE_MS = 20_000;

const execFileAsync = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const BUILD_APP = join(REPO_ROOT, 'docker', 'build-app.mjs');
const AGENT_ENTRY = 'apps/agent/src/main.ts';
/** Compiling the agent takes a few seconds; past this something is wrong. */
const BUILD_TIMEOUT_MS = 180_000;

/**
 * Compiles the agent to plain JavaScript the way its container image is built
 * (docker/build-app.mjs), into `outDir`, and returns its entry file. The demo's agents then run
 * as a deployment runs them, with no TypeScript loader in the process (which alone adds a
 * worker thread and over 100 MiB of RSS). Built on every start, so the demo runs the code checked out.
 */
export async function buildAgent(outDir: string): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  const args = [BUILD_APP, '--entry', AGENT_ENTRY, '--out', outDir, '--hardlink'];
  try {
    await execFileAsync(process.execPath, args, { cwd: REPO_ROOT, timeout: BUILD_TIMEOUT_MS, maxBuffer: 1 << 20 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`could not compile the demo agent (${AGENT_ENTRY}): ${e.stderr?.trim() || e.message}`);
  }
  return join(outDir, AGENT_ENTRY.replace(/\.ts$/, '.js'));
}

export interface DemoFleet {
  clusters: { name: string; tags: string[]; kubeconfigPath: string }[];
  close(): Promise<void>;
}

interface DemoFleetOptions {
  home: string;
  controlPlaneUrl: string;
  /** Mints a one-use registration token carrying these tags. */
  createToken(cluster: DemoCluster): Promise<string>;
  progress(message: string): void;
}

function spawnAgent(opts: {
  agentMain: string;
  cluster: DemoCluster;
  home: string;
  server: string;
  kubeconfigPath: string;
  token?: string;
}): ChildProcess {
  const logs = join(opts.home, 'logs');
  mkdirSync(logs, { recursive: true });
  const log = createWriteStream(join(logs, `agent-${opts.cluster.name}.log`), { flags: 'a', mode: 0o600 });
  const args = [
    // The agent's Node options (apps/agent/src/node-options.ts): small young-generation semi-spaces keep its RSS low.
    '--max-semi-space-size=4',
    opts.agentMain,
    ...['--server', opts.server, '--name', opts.cluster.name],
    ...['--state-dir', join(opts.home, 'agents', opts.cluster.name), '--kubeconfig', opts.kubeconfigPath],
  ];
  // The token goes through the environment, not argv, so `ps` does not show it.
  const env = { ...process.env, ...(opts.token ? { FLOTILLA_TOKEN: opts.token } : {}) };
  // A process group of its own: a terminal's Ctrl-C reaches only main.ts, which stops the agents
  // first (SIGTERM), then the control plane, NATS and PostgreSQL.
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const orphanGuard = () => child.kill('SIGTERM');
  process.once('exit', orphanGuard);
  child.once('exit', () => process.off('exit', orphanGuard));
  return child;
}

/** SIGTERM, then SIGKILL when the agent has not stopped within `graceMs`. */
function stopAgent(agent: ChildProcess, graceMs: number): Promise<void> {
  return new Promise<void>((res) => {
    if (agent.exitCode !== null || agent.signalCode !== null) return res();
    const force = setTimeout(() => agent.kill('SIGKILL'), graceMs);
    agent.once('exit', () => {
      clearTimeout(force);
      res();
    });
    agent.kill('SIGTERM');
  });
}

export async function startDemoFleet(opts: DemoFleetOptions): Promise<DemoFleet> {
  const sims: KubeSim[] = [];
  const agents: ChildProcess[] = [];
  const close = async () => {
    await Promise.all(agents.map((a) => stopAgent(a, AGENT_STOP_GRACE_MS)));
    await Promise.all(sims.map((s) => s.close()));
  };
  try {
    opts.progress('compiling the agent (as its container image does)…');
    const agentMain = await buildAgent(join(opts.home, 'agent-build'));
    const clusterDir = join(opts.home, 'clusters');
    mkdirSync(clusterDir, { recursive: true });
    for (const [i, cluster] of DEMO_CLUSTERS.entries()) {
      opts.progress(`cluster ${i + 1}/${DEMO_CLUSTERS.length}: ${cluster.name} [${cluster.tags.join(', ')}]`);
      const sim = await startKubeSim({
        port: 0,
        name: cluster.name,
        stateFile: join(clusterDir, `${cluster.name}.state.json`),
        kubeconfigPath: join(clusterDir, `${cluster.name}.kubeconfig`),
        simulate: { delayMs: 1500 },
        // The agent reads its facts from these Nodes: provider from spec.providerID, region from the labels.
        nodes: { count: cluster.replicas, provider: 'kube-sim', region: cluster.tags[0] ?? 'local' },
      });
      sims.push(sim);
      const registered = existsSync(join(opts.home, 'agents', cluster.name, 'credential.json'));
      const token = registered ? undefined : await opts.createToken(cluster);
      agents.push(
        spawnAgent({
          agentMain,
          cluster,
          home: opts.home,
          server: opts.controlPlaneUrl,
          kubeconfigPath: sim.kubeconfigPath,
          ...(token ? { token } : {}),
        }),
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    clusters: DEMO_CLUSTERS.map((c, i) => ({ name: c.name, tags: c.tags, kubeconfigPath: sims[i]!.kubeconfigPath })),
    close,
  };
}

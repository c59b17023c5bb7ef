/**
 * README "Install on a cluster", tested as written: every fenced block marked
 * `<!-- install-test: helm … -->` / `<!-- install-test: kustomize … -->` is run, in order, by bash
 * in a folder laid out like a clone of this repository (its entries linked), with the pinned
 * kubectl and helm first on PATH and KUBECONFIG pointing at a fresh kube-sim for each way. The only
 * input the test gives is what the README asks the reader to export (TOKEN). Then what the
 * commands installed is read back from the cluster: hub and agent Deployments, the hub's settings
 * and secrets (which the control plane's own config schema must accept), the agent's token.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { scaled } from '@flotilla/testing';
import { loadConfig } from '../../apps/control-plane/src/config/load-config.js';
import { kubectl, kubectlPath, REPO_ROOT } from './support/kubectl.js';

const TOKEN = 'flt_readme-install-test-token-0123456789';

/** The marked blocks of the README's "Install on a cluster" section, with the ways each belongs to. */
export function installBlocks(readme: string): { ways: string[]; script: string }[] {
  const start = readme.indexOf('\n## Install on a cluster\n');
  if (start < 0) throw new Error('README.md has no "## Install on a cluster" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/<!-- install-test: ([a-z ]+) -->\n```sh\n([\s\S]*?)\n```/g)].map((m) => ({
    ways: m[1]!.trim().split(/\s+/),
    script: m[2]!,
  }));
}

async function helmPath(): Promise<string> {
  const mod = (await import(join(REPO_ROOT, 'scripts', 'setup-kubectl.mjs'))) as { ensureHelm: () => string };
  return mod.ensureHelm();
}

function bash(script: string, cwd: string, env: Record<string, string>): Promise<string> {
  return new Promise((res, rej) =>
    execFile(
      'bash',
      ['--norc', '--noprofile', '-euo', 'pipefail', '-c', script],
      { cwd, env, timeout: scaled(120_000), maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err ? rej(new Error(`README commands failed: ${err.message}\n${stdout}\n${stderr}`)) : res(stdout + stderr),
    ),
  );
}

describe('README "Install on a cluster"', { timeout: scaled(240_000) }, () => {
  const blocks = installBlocks(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
  let kubectlBin: string;
  let helmBin: string;
  const dirs: string[] = [];
  const sims: KubeSim[] = [];

  beforeAll(async () => {
    [kubectlBin, helmBin] = await Promise.all([kubectlPath(), helmPath()]);
  });
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.close()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('marks a settings block, a hub and an agent install for each way', () => {
    for (const way of ['helm', 'kustomize']) {
      const mine = blocks.filter((b) => b.ways.includes(way)).map((b) => b.script);
      expect(mine.length, way).toBe(3);
      expect(mine.join('\n')).toContain(
        way === 'helm' ? 'helm install flotilla-agent' : 'kubectl apply --server-side -k my-agent',
      );
    }
  });

  /** Runs one way's blocks against a fresh kube-sim; returns kubectl on that cluster. */
  async function install(way: string) {
    const dir = mkdtempSync(join(tmpdir(), `flotilla-readme-${way}-`));
    dirs.push(dir);
    const clone = join(dir, 'clone');
    // A clone after `npm ci`: every top-level entry of this repository (node_modules/ too), linked.
    mkdirSync(clone);
    for (const entry of readdirSync(REPO_ROOT))
      if (entry !== '.git') symlinkSync(join(REPO_ROOT, entry), join(clone, entry));
    const sim = await startKubeSim({ name: `readme-${way}`, kubeconfigPath: join(dir, 'kubeconfig'), simulate: false });
    sims.push(sim);
    const script = blocks
      .filter((b) => b.ways.includes(way))
      .map((b) => b.script)
      .join('\n');
    const out = await bash(script, clone, {
      PATH: [dirname(kubectlBin), dirname(helmBin), process.env['PATH'] ?? ''].join(':'),
      HOME: join(dir, 'home'),
      KUBECONFIG: sim.kubeconfigPath,
      TOKEN,
    });
    const k = (args: string[]) =>
      kubectl(kubectlBin, ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(dir, 'cache'), ...args]);
    const json = async (args: string[]) => JSON.parse(await k([...args, '-o', 'json']));
    /** The control plane's environment as the kubelet would build it from the installed objects. */
    const hubEnv = async (deployment: string, ns: string) => {
      const d = await json(['get', 'deployment', deployment, '-n', ns]);
      const c = d.spec.template.spec.containers[0];
      const env: Record<string, string> = {};
      for (const e of (c.env ?? []) as { name: string; value: string }[]) env[e.name] = e.value;
      for (const from of c.envFrom as { configMapRef?: { name: string }; secretRef?: { name: string } }[]) {
        if (from.configMapRef)
          Object.assign(env, (await json(['get', 'configmap', from.configMapRef.name, '-n', ns])).data);
        if (from.secretRef)
          for (const [key, v] of Object.entries(
            (await json(['get', 'secret', from.secretRef.name, '-n', ns])).data as Record<string, string>,
          ))
            env[key] = Buffer.from(v, 'base64').toString('utf8');
      }
      return { deployment: d, env };
    };
    return { k, json, hubEnv, out, clone };
  }

  it('Helm: the hub (2 replicas, Ingress with TRUSTED_PROXIES, 3-node NATS) and the agent with its token', async () => {
    const { json, hubEnv } = await install('helm');
    const hub = await hubEnv('flotilla-hub', 'flotilla');
    expect(hub.deployment.spec.replicas).toBe(2);
    expect(hub.env).toMatchObject({
      DATABASE_URL: 'postgres://flotilla:change-me@db.example.com:5432/flotilla',
      FLEET_REPO_URL: 'https://git.example.com/platform/fleet.git',
      TRUSTED_PROXIES: '10.42.0.0/16',
      NATS_STREAM_REPLICAS: '3',
    });
    expect(() => loadConfig(hub.env)).not.toThrow();
    expect((await json(['get', 'statefulset', 'flotilla-hub-nats', '-n', 'flotilla'])).spec.replicas).toBe(3);
    expect((await json(['get', 'ingress', 'flotilla-hub', '-n', 'flotilla'])).spec.rules[0].host).toBe(
      'flotilla.example.com',
    );
    const agent = await json(['get', 'deployment', 'flotilla-agent', '-n', 'flotilla-system']);
    expect(agent.spec.template.spec.serviceAccountName).toBe('flotilla-agent');
    const settings = await json(['get', 'configmap', 'flotilla-agent-settings', '-n', 'flotilla-system']);
    expect(settings.data).toMatchObject({ FLOTILLA_NAME: 'eu-west', FLOTILLA_SERVER: 'https://flotilla.example.com' });
    const secret = await json(['get', 'secret', 'flotilla-agent-registration', '-n', 'flotilla-system']);
    expect(Buffer.from(secret.data.token, 'base64').toString()).toBe(TOKEN);
    // Helm recorded both releases (helm's own Secrets).
    const releases = await json(['get', 'secrets', '-A', '-l', 'owner=helm']);
    expect(
      releases.items.map((s: { metadata: { labels: { name: string } } }) => s.metadata.labels.name).sort(),
    ).toEqual(['flotilla-agent', 'flotilla-hub']);
  });

  it('kustomize: the control plane (2 replicas) from an overlay with the generated secrets, and the agent with its token', async () => {
    const { json, hubEnv } = await install('kustomize');
    const hub = await hubEnv('flotilla-control-plane', 'flotilla');
    expect(hub.deployment.spec.replicas).toBe(2);
    expect(hub.env).toMatchObject({
      DATABASE_URL: 'postgres://flotilla:change-me@db.example.com:5432/flotilla',
      FLEET_REPO_URL: 'https://git.example.com/platform/fleet.git',
      TRUSTED_PROXIES: '10.42.0.0/16',
    });
    expect(hub.env['NATS_HUB_JWT']).toBeTruthy();
    expect(() => loadConfig(hub.env)).not.toThrow();
    await json(['get', 'poddisruptionbudget', 'flotilla-control-plane', '-n', 'flotilla']);
    const agent = await json(['get', 'deployment', 'flotilla-agent', '-n', 'flotilla-system']);
    const settingsName = agent.spec.template.spec.containers[0].envFrom[0].configMapRef.name as string;
    const settings = await json(['get', 'configmap', settingsName, '-n', 'flotilla-system']);
    expect(settings.data).toMatchObject({ FLOTILLA_NAME: 'eu-west', FLOTILLA_SERVER: 'https://flotilla.example.com' });
    const secret = await json(['get', 'secret', 'flotilla-agent-registration', '-n', 'flotilla-system']);
    expect(Buffer.from(secret.data.token, 'base64').toString()).toBe(TOKEN);
  });
});

/**
 * The README's quick start, as written: `npm start` (here with its own data folder and free
 * ports), then the tour — the six demo clusters converge Synced + Healthy, a change pushed to
 * the fleet repository rolls out wave by wave, and a hand edit with kubectl is reverted.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runGit, scaled } from '@flotilla/testing';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { ensureKubectl } from '../../scripts/setup-kubectl.mjs';
import { launchBrowser } from '../../apps/web/test/browser.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** Its tests wait on a control plane, agents and git: a deadline that stretches with the load. */
const SLOW = { timeout: scaled(500_000) };

describe('quick start: npm start and the tour', SLOW, () => {
  let home: string;
  let child: ChildProcess;
  let output = '';
  let base: string;
  let token: string;

  const gql = async (query: string) => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'flotilla-quickstart-'));
    await chmod(home, 0o755); // as root, the embedded PostgreSQL runs as the OS user postgres
    const [port, nats, monitor, git] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    base = `http://localhost:${port}`;
    child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: {
        ...process.env,
        FLOTILLA_HOME: join(home, '.flotilla'),
        PORT: String(port),
        FLOTILLA_NATS_PORT: String(nats),
        FLOTILLA_NATS_MONITOR_PORT: String(monitor),
        FLOTILLA_GIT_PORT: String(git),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    await eventually(
      async () => output.includes('Flotilla is running') || child.exitCode !== null,
      120_000,
      'npm start',
    );
    if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
    token = (await readFile(join(home, '.flotilla', 'secrets', 'admin-token'), 'utf8')).trim();
    expect(output).toContain(token);
    // FLOTILLA_HOME lies outside the checkout: the banner names its files by absolute path.
    expect(output).toContain(`(kept in ${join(home, '.flotilla', 'secrets', 'admin-token')},`);
    expect(output).not.toMatch(/\.\.\//);
  }, scaled(150_000));

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) {
      process.kill(-child.pid, 'SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
    await rm(home, { recursive: true, force: true });
  });

  it('converges, rolls out a pushed change wave by wave, and reverts a hand edit', async () => {
    const clusters = async () =>
      (
        await gql(
          '{ clusters(first: 20) { edges { node { name tags facts { provider region nodeCount } sync { state health appliedRevision } } } } }',
        )
      ).clusters.edges.map((e: any) => e.node);
    const converged = async (revision?: string) => {
      const cs = await clusters();
      return cs.length === 6 &&
        cs.every(
          (c: any) =>
            c.sync.state === 'SYNCED' &&
            c.sync.health === 'HEALTHY' &&
            (!revision || c.sync.appliedRevision === revision),
        )
        ? cs
        : undefined;
    };
    const first = await eventually(() => converged(), 120_000, 'six clusters Synced + Healthy');
    const firstRevision = first[0].sync.appliedRevision as string;
    expect(first.map((c: any) => c.tags[0]).sort()).toEqual([
      'canary',
      'cloud',
      'edge-eu',
      'edge-eu',
      'edge-us',
      'edge-us',
    ]);
    // The agents run without fact flags: provider, region and node count come from their clusters' Nodes.
    for (const c of first) {
      expect(c.facts.provider, c.name).toBe('kube-sim');
      expect(c.facts.region, c.name).toBe(c.tags[0]);
      expect(c.facts.nodeCount, c.name).toBeGreaterThan(0);
    }

    // Step 2 of the tour: clone, change a manifest, push.
    const repoUrl = /fleet repo\s+(\S+)/.exec(output)![1]!;
    const clone = join(home, 'fleet');
    await runGit(['clone', '--quiet', repoUrl, clone], { cwd: home });
    const cm = join(clone, 'bases/podinfo/configmap.yaml');
    await writeFile(cm, (await readFile(cm, 'utf8')).replace('Hello from Flotilla', 'Hello again'));
    await runGit(
      ['-c', 'user.name=Tour', '-c', 'user.email=tour@example.com', 'commit', '--quiet', '-am', 'Say hello again'],
      { cwd: clone },
    );
    await runGit(['push', '--quiet'], { cwd: clone });
    const pushed = await runGit(['rev-parse', 'HEAD'], { cwd: clone });

    const rollout = await eventually(
      async () => {
        const r = (
          await gql(
            '{ rollouts(first: 5) { edges { node { revision phase waves { name phase startedAt finishedAt } } } } }',
          )
        ).rollouts.edges
          .map((e: any) => e.node)
          .find((n: any) => n.revision === pushed);
        return r?.phase === 'SUCCEEDED' ? r : undefined;
      },
      150_000,
      'the rollout of the pushed commit',
    );
    expect(rollout.waves.map((w: any) => w.name)).toEqual(['canary', 'edge', 'rest']);
    for (let i = 1; i < rollout.waves.length; i++) {
      expect(Date.parse(rollout.waves[i].startedAt)).toBeGreaterThanOrEqual(
        Date.parse(rollout.waves[i - 1].finishedAt),
      );
    }
    await eventually(() => converged(pushed), 60_000, 'all clusters on the pushed revision');

    // Step 3: a hand edit with kubectl is drift, reverted by the agent.
    const kubeconfig = join(home, '.flotilla', 'clusters', 'canary-1.kubeconfig');
    const kubectl = (...args: string[]) =>
      run(ensureKubectl(), ['--kubeconfig', kubeconfig, '--cache-dir', join(home, 'kube-cache'), ...args]);
    await kubectl('-n', 'podinfo', 'scale', 'deploy/podinfo', '--replicas=5');
    await eventually(
      async () =>
        (await kubectl('-n', 'podinfo', 'get', 'deploy/podinfo', '-o', 'jsonpath={.spec.replicas}')).stdout === '1',
      10_000,
      'replicas reverted',
    );
    const drift = await eventually(
      async () => {
        const edges = (
          await gql('{ driftEvents(first: 5) { edges { node { object { name } fields managers resolution } } } }')
        ).driftEvents.edges;
        return edges.find((e: any) => e.node.fields.includes('spec.replicas'))?.node;
      },
      15_000,
      'the drift event',
    );
    expect(drift).toMatchObject({ object: { name: 'podinfo' }, managers: ['kubectl'], resolution: 'REVERTED' });

    // The dashboard on the running demo: the fleet, a rollout by tag watched to completion, a
    // cluster's drift event. Screenshots land in test-results/dashboard/.
    const b = await launchBrowser();
    try {
      const page = b.page;
      await page.goto(base);
      await page.fill('#token', token);
      await page.click('button[type=submit]');
      await eventually(async () => (await page.locator('.tile.fill-ok').count()) === 6, 30_000, 'six green tiles');
      await b.screenshot('demo-01-fleet');
      await page.goto(`${base}/#/rollouts`);
      await page.waitForSelector('form.form-row');
      await page.fill('input[name=revision]', firstRevision);
      await page.selectOption('select[name=tag]', 'edge-us');
      await page.click('form.form-row button[type=submit]');
      await page.waitForSelector('.rollout .wave');
      const phase = await eventually(
        async () => {
          const p = await page.locator('.rollout-phase').textContent();
          return p && !['running', 'pending'].includes(p) ? p : undefined;
        },
        90_000,
        'the rollout by tag to finish',
      );
      expect(phase).toBe('succeeded');
      const targets = await page.locator('.cluster-state').evaluateAll((els) => els.map((e) => e.textContent ?? ''));
      expect(targets.map((t) => /^[a-z]+(-[a-z]+)*-\d+/.exec(t)?.[0]).sort()).toEqual(['edge-us-1', 'edge-us-2']);
      expect(targets.every((t) => t.endsWith('succeeded'))).toBe(true);
      await b.screenshot('demo-02-rollout-by-tag');
      await page.goto(`${base}/#/clusters/canary-1`);
      await page.waitForSelector('.drift-row');
      await expect(page.locator('.drift-row').first().innerText()).resolves.toMatch(
        /Deployment podinfo\/podinfo[\s\S]*spec\.replicas[\s\S]*kubectl[\s\S]*reverted/i,
      );
      await b.screenshot('demo-03-cluster-drift');
      expect(b.errors).toEqual([]);
    } finally {
      await b.close();
    }
  });
});

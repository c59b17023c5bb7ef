/**
 * The agent's Kubernetes credentials rotate as on real clusters: a projected service-account token
 * file is rewritten, an exec plugin's token expires. kube-sim accepts only the current token (401
 * otherwise); the agent keeps reconciling across each rotation without a restart.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { namespace, configMap } from './support/manifests.js';
import { startReconcileEnv, waitFor, type ReconcileEnv } from './support/reconcile-env.js';

/** The small exec credential plugin kept in the repo (prints kube-sim's current token with an expiry). */
const PLUGIN = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'exec-credential-plugin.mjs');

describe('Kubernetes credentials that rotate', () => {
  let env: ReconcileEnv;
  let dir: string;
  let n = 0;

  /** A kubeconfig in its own folder whose user entry is `user`, with relative paths in it. */
  function kubeconfig(user: Record<string, unknown>): string {
    const path = join(dir, 'kubeconfig');
    writeFileSync(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'sim',
        clusters: [{ name: 'sim', cluster: { server: env.sim.url } }],
        users: [{ name: 'agent', user }],
        contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'agent' } }],
      }),
    );
    return path;
  }

  async function syncOnce(): Promise<string> {
    n++;
    const rev = await env.git.commit({
      files: {
        'clusters/edge/ns.yaml': namespace('creds'),
        'clusters/edge/cm.yaml': configMap('creds', 'settings', { round: String(n) }),
      },
      message: `round ${n}`,
    });
    await env.putDesired({ revision: rev });
    const reports = await env.waitSync((r) => r.some((x) => x.revision === rev));
    return reports.find((x) => x.revision === rev)!.state;
  }
  const live = () =>
    (env.sim.api.store.get('configmaps', 'creds', 'settings') as { data: { round: string } }).data.round;

  beforeAll(async () => {
    env = await startReconcileEnv();
  });
  afterAll(async () => {
    await env?.close();
  });
  afterEach(async () => {
    await env.stopAgent();
    env.sim.setTokens(undefined);
    env.sim.setTokenRotation(undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a rewritten token file again after the server refuses the old token', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kube-creds-'));
    writeFileSync(join(dir, 'token'), 'token-1\n');
    env.sim.setTokens(['token-1']);
    await env.startAgent({ kubeconfig: kubeconfig({ tokenFile: 'token' }) });
    expect(await syncOnce()).toBe('Synced');
    // The kubelet rewrites the projected token; the API server stops taking the old one.
    writeFileSync(join(dir, 'token'), 'token-2\n');
    env.sim.setTokens(['token-2']);
    expect(await syncOnce()).toBe('Synced');
    expect(live()).toBe(String(n));
  });

  it('keeps passes and drift healing working while kube-sim rotates the token file under it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kube-creds-'));
    // kube-sim writes a new token into the file and takes only the newest: the agent's cached token
    // is refused after each rotation, and it must read the file again and carry on. Rotated by the
    // test before each round (kube-sim's own timer is checked in libs/kube-sim's faults spec): a
    // period short enough to land inside a pass would, on a loaded machine, outrun a request.
    const rotation = env.sim.setTokenRotation({ file: join(dir, 'token'), everyMs: 0 })!;
    await env.startAgent({ kubeconfig: kubeconfig({ tokenFile: 'token' }) });
    const refusedBefore = env.sim.counters['unauthorized'] ?? 0;
    for (let i = 0; i < 3; i++) {
      rotation.rotate();
      n++;
      const rev = await env.git.commit({
        files: {
          'clusters/edge/ns.yaml': namespace('creds'),
          'clusters/edge/cm.yaml': configMap('creds', 'settings', { round: String(n) }),
        },
        message: `round ${n}`,
      });
      await env.putDesired({ revision: rev });
      await env.waitSync((r) => r.some((x) => x.revision === rev && x.state === 'Synced'), 30_000);
      // No pass failed on the way: each refused request was sent again with the file's new token.
      const states = (await env.syncReports()).filter((x) => x.revision === rev).map((x) => x.state);
      expect(states).toEqual(['Synced']);
    }
    expect(live()).toBe(String(n));
    expect(rotation.rotations).toBe(3);
    expect(env.sim.counters['unauthorized'] ?? 0).toBeGreaterThanOrEqual(refusedBefore + 3);
    // A hand edit after a rotation: the heal's write carries a stale token, is refused, and is sent again.
    const before = (await env.driftReports()).length;
    rotation.rotate();
    const cm = env.sim.api.registry.lookup('', 'v1', 'configmaps')!;
    const current = env.sim.api.store.get('configmaps', 'creds', 'settings') as { data: Record<string, string> };
    env.sim.api.commit(
      cm,
      current,
      { ...current, data: { round: 'edited' } },
      { manager: 'kubectl-edit', dryRun: false },
    );
    await env.waitDrift((r) => r.slice(before).some((d) => d.resolution === 'reverted'));
    await waitFor(live, (v) => v === String(n), 10_000, 'the hand edit reverted');
  });

  /** The repo's plugin, handing out kube-sim's current token; its runs counted in a file. */
  function pluginUser(expiresInS?: number) {
    const rotation = env.sim.setTokenRotation({ file: join(dir, 'sim-token'), everyMs: 0 })!;
    const runsFile = join(dir, 'runs');
    const runs = () => (existsSync(runsFile) ? readFileSync(runsFile, 'utf8').trim().split('\n').length : 0);
    const exec = {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: PLUGIN,
      interactiveMode: 'Never',
      env: [
        { name: 'PLUGIN_TOKEN_FILE', value: rotation.file },
        { name: 'PLUGIN_RUNS_FILE', value: runsFile },
        ...(expiresInS ? [{ name: 'PLUGIN_EXPIRES_IN_S', value: String(expiresInS) }] : []),
      ],
    };
    return { rotation, runs, user: { exec } };
  }

  it('runs the exec plugin again before its token expires, with no refusal on the way', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kube-creds-'));
    // Tokens expire 12 s after the plugin mints them; the agent asks again once within 10 s of expiry.
    const { runs, user } = pluginUser(12);
    await env.startAgent({ kubeconfig: kubeconfig(user) });
    expect(await syncOnce()).toBe('Synced');
    const first = runs();
    expect(first).toBeGreaterThanOrEqual(1);
    const refused = env.sim.counters['unauthorized'] ?? 0;
    await new Promise((r) => setTimeout(r, 2_500)); // the token is now within 10 s of its expiry
    expect(await syncOnce()).toBe('Synced');
    expect(runs()).toBeGreaterThan(first);
    expect(env.sim.counters['unauthorized'] ?? 0).toBe(refused);
  });

  it('runs the exec plugin again when kube-sim stops taking the token it minted (no expiry given)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kube-creds-'));
    const { rotation, runs, user } = pluginUser();
    await env.startAgent({ kubeconfig: kubeconfig(user) });
    expect(await syncOnce()).toBe('Synced');
    const first = runs();
    const refused = env.sim.counters['unauthorized'] ?? 0;
    expect(await syncOnce()).toBe('Synced');
    expect(runs()).toBe(first); // no expiry: the token is kept
    rotation.rotate();
    expect(await syncOnce()).toBe('Synced');
    expect(runs()).toBeGreaterThan(first);
    expect(env.sim.counters['unauthorized'] ?? 0).toBeGreaterThan(refused);
    expect(live()).toBe(String(n));
  });
});

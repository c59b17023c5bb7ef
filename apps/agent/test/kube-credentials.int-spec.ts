/**
 * The agent's Kubernetes credentials rotate as on real clusters: a projected service-account token
 * file is rewritten, an exec plugin's token expires. kube-sim accepts only the current token (401
 * otherwise); the agent keeps reconciling across each rotation without a restart.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { namespace, configMap } from './support/manifests.js';
import { startReconcileEnv, waitFor, type ReconcileEnv } from './support/reconcile-env.js';

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

  it('runs an exec credential plugin again when the server refuses its token', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kube-creds-'));
    const plugin = join(dir, 'bin', 'get-token');
    mkdirSync(join(dir, 'bin'));
    writeFileSync(
      plugin,
      `#!/usr/bin/env node
const { readFileSync } = require('node:fs');
const token = readFileSync(${JSON.stringify(join(dir, 'current'))}, 'utf8').trim();
console.log(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token } }));
`,
    );
    chmodSync(plugin, 0o755);
    writeFileSync(join(dir, 'current'), 'exec-1');
    env.sim.setTokens(['exec-1']);
    const exec = {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: './bin/get-token',
      interactiveMode: 'Never',
    };
    await env.startAgent({ kubeconfig: kubeconfig({ exec }) });
    expect(await syncOnce()).toBe('Synced');
    writeFileSync(join(dir, 'current'), 'exec-2');
    env.sim.setTokens(['exec-2']);
    expect(await syncOnce()).toBe('Synced');
    expect(live()).toBe(String(n));
  });
});

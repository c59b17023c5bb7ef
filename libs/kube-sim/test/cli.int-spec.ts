// The kube-sim CLI: writes its kubeconfig, serves, saves its state on SIGTERM and comes back
// with it; a bad --port is refused.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from './kubectl-runner.js';

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kube-sim.mjs');
const dir = mkdtempSync(join(tmpdir(), 'kube-sim-cli-'));
const children: ChildProcess[] = [];

function start(...args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((done, fail) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) done({ child, url: m[1] });
    });
    child.once('exit', (code) => fail(new Error(`kube-sim exited with ${code}: ${out}`)));
  });
}

function exit(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('kube-sim CLI', () => {
  it('serves, writes its kubeconfig, and keeps its state across a restart', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    const state = join(dir, 'state.json');
    const first = await start('--port', '0', '--kubeconfig', kubeconfig, '--state', state, '--no-simulate');
    expect(readFileSync(kubeconfig, 'utf8')).toContain(`server: ${first.url}`);
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' }, data: { a: '1' } });
    const created = await fetch(`${first.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(created.status).toBe(201);
    const exited = exit(first.child);
    first.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(state)).toBe(true);
    const second = await start('--port', '0', '--kubeconfig', kubeconfig, '--state', state);
    const got = await fetch(`${second.url}/api/v1/namespaces/default/configmaps/kept`);
    expect(got.status).toBe(200);
    expect(((await got.json()) as any).data).toEqual({ a: '1' });
    const exited2 = exit(second.child);
    second.child.kill('SIGTERM');
    expect(await exited2).toBe(0);
  });

  it('seeds the Nodes its flags describe', async () => {
    const { child, url } = await start(
      ...['--port', '0', '--kubeconfig', join(dir, 'nodes-kubeconfig'), '--no-simulate', '--nodes', '2'],
      ...['--node-provider', 'aws', '--node-region', 'eu-west-1', '--node-zone', 'eu-west-1b'],
      ...['--kubelet-version', 'v1.31.4'],
    );
    const nodes = (await (await fetch(`${url}/api/v1/nodes`)).json()) as any;
    expect(nodes.items).toHaveLength(2);
    for (const n of nodes.items) {
      expect(n.spec.providerID).toBe(`aws://${n.metadata.name}`);
      expect(n.metadata.labels).toMatchObject({
        'topology.kubernetes.io/region': 'eu-west-1',
        'topology.kubernetes.io/zone': 'eu-west-1b',
      });
      expect(n.status.nodeInfo.kubeletVersion).toBe('v1.31.4');
    }
    const exited = exit(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a node count that is not a whole number', async () => {
    await expect(start('--port', '0', '--kubeconfig', join(dir, 'y'), '--nodes', 'many')).rejects.toThrow(
      /exited with 2/,
    );
  });

  it('refuses a port that is not a number', async () => {
    await expect(start('--port', 'abc', '--kubeconfig', join(dir, 'x'))).rejects.toThrow(/exited with 2/);
  });

  it('takes --watch-lag-ms and refuses a bad one', async () => {
    const lagged = await start(
      '--port',
      '0',
      '--kubeconfig',
      join(dir, 'lag'),
      '--no-simulate',
      '--watch-lag-ms',
      '50',
    );
    const got = await fetch(`${lagged.url}/api/v1/namespaces`);
    expect(got.status).toBe(200);
    const exited = exit(lagged.child);
    lagged.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(start('--port', '0', '--kubeconfig', join(dir, 'y'), '--watch-lag-ms', 'soon')).rejects.toThrow(
      /exited with 2/,
    );
  });

  it('--keep-empty stores empty fields as sent; without it they are left out as a real server does', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: {} }, data: {} };
    const stored = async (...flags: string[]) => {
      const s = await start('--port', '0', '--kubeconfig', join(dir, `keep${flags.length}`), '--no-simulate', ...flags);
      const res = await fetch(`${s.url}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(cm),
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { metadata: Record<string, unknown>; data?: unknown };
      const exited = exit(s.child);
      s.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      return body;
    };
    const kept = await stored('--keep-empty');
    expect(kept.data).toEqual({});
    expect(kept.metadata['annotations']).toEqual({});
    const dropped = await stored();
    expect(dropped.data).toBeUndefined();
    expect(dropped.metadata['annotations']).toBeUndefined();
  });

  it('--deny Kind/name refuses that object as a webhook would; --inject-sidecar adds a container', async () => {
    const s = await start(
      '--port',
      '0',
      '--kubeconfig',
      join(dir, 'admission'),
      '--no-simulate',
      '--deny',
      'ConfigMap/blocked',
      '--inject-sidecar',
      'envoy:1.31',
    );
    const post = (path: string, body: unknown) =>
      fetch(`${s.url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const denied = await post('/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'blocked' },
    });
    expect(denied.status).toBe(400);
    expect(((await denied.json()) as { message: string }).message).toContain(
      'admission webhook "deny.kube-sim.local" denied the request',
    );
    const pod = await post('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
    });
    expect(pod.status).toBe(201);
    const body = (await pod.json()) as { spec: { containers: Array<{ name: string }> } };
    expect(body.spec.containers.map((c) => c.name)).toEqual(['app', 'sidecar']);
    const exited = exit(s.child);
    s.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(start('--port', '0', '--kubeconfig', join(dir, 'z'), '--deny', 'a/b/c')).rejects.toThrow(
      /exited with 2/,
    );
  });

  it('--writer rolloutRestart=INTERVAL runs that writer; a bad writer name or time scale is refused', async () => {
    const s = await start(
      '--port',
      '0',
      '--kubeconfig',
      join(dir, 'w'),
      '--no-simulate',
      '--writer',
      'rolloutRestart=600000',
      '--writers-time-scale',
      '6000',
    );
    const created = await fetch(`${s.url}/apis/apps/v1/namespaces/default/deployments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'a', image: 'nginx:1.27' }] },
          },
        },
      }),
    });
    expect(created.status).toBe(201);
    await until(
      async () => {
        const d = (await (await fetch(`${s.url}/apis/apps/v1/namespaces/default/deployments/web`)).json()) as any;
        return !!d.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'];
      },
      10_000,
      'a rollout restart by the CLI-started writer',
    );
    const exited = exit(s.child);
    s.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(start('--port', '0', '--kubeconfig', join(dir, 'w2'), '--writer', 'hpx')).rejects.toThrow(
      /exited with 2/,
    );
    await expect(
      start('--port', '0', '--kubeconfig', join(dir, 'w3'), '--writer', 'hpa', '--writers-time-scale', '0'),
    ).rejects.toThrow(/exited with 2/);
  });
});

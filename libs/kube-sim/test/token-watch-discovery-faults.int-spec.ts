// kube-sim's fault modes against the real kubectl and raw HTTP: a bearer token that rotates
// (old ones get the 401 Status), watches the server closes (with or without a final BOOKMARK, or
// with an ERROR 410), 410 Gone as an HTTP status, an aggregated API whose discovery answers 503,
// and a CRD served a moment after it is Established. Each is switchable per test and from the CLI.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type KubeSim, startKubeSim } from '../src/index.js';
import { faultOptions } from '../src/cli-faults.js';
import { Kubectl, kubectlPath, until } from './kubectl-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'kube-sim-faults-'));
let bin: string;
const sims: KubeSim[] = [];
const kubectls: Kubectl[] = [];

beforeAll(async () => {
  bin = await kubectlPath();
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  for (const k of kubectls) k.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function sim(opts: Parameters<typeof startKubeSim>[0]): Promise<{ sim: KubeSim; k: Kubectl }> {
  const s = await startKubeSim({ port: 0, simulate: false, ...opts });
  sims.push(s);
  const k = new Kubectl(bin, s.kubeconfigPath);
  kubectls.push(k);
  return { sim: s, k };
}

/** Reads a watch until the server ends it; returns the events and how long it stayed open. */
async function watchAll(url: string): Promise<{ status: number; events: any[]; ms: number; body?: any }> {
  const started = Date.now();
  const res = await fetch(url);
  if (res.status !== 200) return { status: res.status, events: [], ms: Date.now() - started, body: await res.json() };
  const text = await res.text();
  const events = text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { status: res.status, events, ms: Date.now() - started };
}

describe('a bearer token that rotates', () => {
  /**
   * kubectl (client-go) sends credentials only over TLS: a TLS front (self-signed, by openssl) that
   * passes the bytes on to the sim's plain port.
   */
  async function tlsFront(target: string): Promise<{ server: Server; url: string; ca: string }> {
    const keyFile = join(dir, 'key.pem');
    const ca = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
        ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', ca],
      ],
      { stdio: 'ignore' },
    );
    const { port } = new URL(target);
    const server = createTlsServer({ key: readFileSync(keyFile), cert: readFileSync(ca) }, (socket) => {
      const upstream = connect(Number(port), '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address() as { port: number };
    return { server, url: `https://127.0.0.1:${address.port}`, ca };
  }

  it('accepts only the current content of the token file; kubectl reading the file follows each rotation', async () => {
    const tokenFile = join(dir, 'token');
    const { sim: s } = await sim({ rotateToken: { file: tokenFile, everyMs: 0 } });
    const front = await tlsFront(s.url);
    try {
      const kubeconfig = (user: Record<string, unknown>) => {
        const path = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
        writeFileSync(
          path,
          stringify({
            apiVersion: 'v1',
            kind: 'Config',
            'current-context': 'sim',
            clusters: [{ name: 'sim', cluster: { server: front.url, 'certificate-authority': front.ca } }],
            users: [{ name: 'u', user }],
            contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'u' } }],
          }),
        );
        return new Kubectl(bin, path);
      };
      const viaFile = kubeconfig({ tokenFile });
      kubectls.push(viaFile);
      const first = readFileSync(tokenFile, 'utf8').trim();
      expect(first).toBe(s.tokenRotation!.current);
      const ok = await viaFile.run('get', 'namespace', 'default', '-o', 'name');
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout.trim()).toBe('namespace/default');

      const second = s.tokenRotation!.rotate();
      expect(readFileSync(tokenFile, 'utf8').trim()).toBe(second);
      // The old token: refused with the Status a real server sends; kubectl says so.
      const stale = kubeconfig({ token: first });
      kubectls.push(stale);
      const refused = await stale.run('get', 'namespace', 'default', '-o', 'name');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('error: You must be logged in to the server');
      const raw = await fetch(`${s.url}/api/v1/namespaces`, { headers: { authorization: `Bearer ${first}` } });
      expect(raw.status).toBe(401);
      expect(await raw.json()).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
      expect(s.counters['unauthorized']).toBeGreaterThan(0);
      // A fresh kubectl reads the rewritten file, as client-go does.
      const again = await kubeconfig({ tokenFile }).run('get', 'namespace', 'default', '-o', 'name');
      expect(again.code, again.stderr).toBe(0);
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    } finally {
      front.server.close();
    }
  });

  it('rotates on its own every N ms', async () => {
    const { sim: s } = await sim({ rotateToken: { file: join(dir, 'timed-token'), everyMs: 100 } });
    const first = s.tokenRotation!.current;
    await until(() => s.tokenRotation!.rotations >= 2, 5_000, 'two rotations');
    expect(s.tokenRotation!.current).not.toBe(first);
    expect(readFileSync(join(dir, 'timed-token'), 'utf8').trim()).toBe(s.tokenRotation!.current);
  });
});

describe('watches the server ends', () => {
  const path = '/api/v1/namespaces/default/configmaps?watch=1';

  it('ends each watch after closeAfterMs: with a final BOOKMARK when asked, without one when not', async () => {
    const { sim: s } = await sim({ watchFaults: { closeAfterMs: 300, closeWith: 'bookmark' } });
    const withBookmarks = await watchAll(`${s.url}${path}&allowWatchBookmarks=true`);
    expect(withBookmarks.ms).toBeGreaterThanOrEqual(250);
    const last = withBookmarks.events.at(-1);
    expect(last.type).toBe('BOOKMARK');
    expect(last.object.metadata.resourceVersion).toBe(String(s.api.store.rv));
    const without = await watchAll(`${s.url}${path}`);
    expect(without.events.filter((e) => e.type === 'BOOKMARK')).toEqual([]);
    s.setWatchFaults({ closeWith: 'end' });
    const plain = await watchAll(`${s.url}${path}&allowWatchBookmarks=true`);
    expect(plain.events.filter((e) => e.type === 'BOOKMARK')).toEqual([]);
  });

  it('ends a watch with an ERROR 410 Expired event; kubectl get -w prints it and ends', async () => {
    const { sim: s, k } = await sim({ watchFaults: { closeAfterMs: 500, closeWith: 'gone' } });
    const w = await watchAll(`${s.url}${path}`);
    expect(w.events.at(-1)).toEqual({
      type: 'ERROR',
      object: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'The resourceVersion for the provided watch is too old.',
        reason: 'Expired',
        code: 410,
      },
    });
    const kubectl = k.spawn('get', 'namespaces', '-w');
    const code = await new Promise<number | null>((done) => kubectl.child.once('exit', done));
    expect(code).toBe(0);
    expect(kubectl.output()).toMatch(/kube-system\s+Active/);
    expect(kubectl.output()).toMatch(/Failure\s+Expired\s+The resourceVersion for the provided watch is too old\./);
  });

  it('kubectl get -w ends quietly when the server closes the watch', async () => {
    const { k } = await sim({ watchFaults: { closeAfterMs: 500, closeWith: 'bookmark' } });
    const kubectl = k.spawn('get', 'namespaces', '-w');
    const code = await new Promise<number | null>((done) => kubectl.child.once('exit', done));
    expect(code).toBe(0);
    expect(kubectl.output()).toMatch(/default\s+Active/);
    expect(kubectl.output()).not.toMatch(/Expired|error/i);
  });

  it('refuses a watch from a compacted resourceVersion as an ERROR event or as HTTP 410', async () => {
    const { sim: s, k } = await sim({});
    const old = s.api.store.rv;
    await fetch(`${s.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' } }),
      headers: { 'content-type': 'application/json' },
    });
    s.compact();
    const asEvent = await watchAll(`${s.url}${path}&resourceVersion=${old}`);
    expect(asEvent.status).toBe(200);
    expect(asEvent.events).toEqual([
      { type: 'ERROR', object: expect.objectContaining({ code: 410, reason: 'Expired' }) },
    ]);
    s.setWatchFaults({ goneAs: 'status' });
    const asStatus = await watchAll(`${s.url}${path}&resourceVersion=${old}`);
    expect(asStatus.status).toBe(410);
    expect(asStatus.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(asStatus.body.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    const raw = await k.run('get', '--raw', `${path}&resourceVersion=${old}`);
    expect(raw.code).toBe(1);
    expect(raw.stderr).toMatch(/Error from server \(Expired\): too old resource version/);
  });
});

describe('discovery that fails', () => {
  it('an aggregated API answering 503: named in /apis, kubectl says it cannot get its resource list and goes on', async () => {
    const { sim: s, k } = await sim({ discoveryFaults: { unavailable: ['metrics.k8s.io/v1beta1'] } });
    const groups = (await (await fetch(`${s.url}/apis`)).json()) as { groups: Array<{ name: string }> };
    expect(groups.groups.map((g) => g.name)).toContain('metrics.k8s.io');
    const group = await fetch(`${s.url}/apis/metrics.k8s.io`);
    expect(group.status).toBe(200);
    const version = await fetch(`${s.url}/apis/metrics.k8s.io/v1beta1`);
    expect(version.status).toBe(503);
    expect(await version.text()).toBe('service unavailable\n');
    expect((await fetch(`${s.url}/apis/metrics.k8s.io/v1beta1/pods`)).status).toBe(503);

    const f = k.file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine, namespace: default}\n');
    const applied = await k.run('apply', '-f', f);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('configmap/fine created');
    expect(applied.stderr).toContain(
      "couldn't get resource list for metrics.k8s.io/v1beta1: the server is currently unable to handle the request",
    );
    const resources = await k.run('api-resources');
    expect(resources.code).toBe(1);
    expect(resources.stdout).toMatch(/^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
    expect(resources.stderr).toContain('unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1');
    s.setDiscoveryFaults({ unavailable: [] });
    expect((await fetch(`${s.url}/apis/metrics.k8s.io/v1beta1`)).status).toBe(404);
  });

  it('a CRD served a moment after it is Established', async () => {
    // Served once the delay is lowered: a long one here, so a slow kubectl still sees the gap.
    const { sim: s, k } = await sim({ discoveryFaults: { crdServeDelayMs: 600_000 } });
    const crd = k.file(
      'crd.yaml',
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`,
    );
    const created = await k.run('apply', '-f', crd);
    expect(created.code, created.stderr).toBe(0);
    const established = await k.run('wait', '--for', 'condition=Established', 'crd/widgets.example.com');
    expect(established.code, established.stderr).toBe(0);
    const early = await k.run('get', 'widgets');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('the server doesn\'t have a resource type "widgets"');
    const groups = (await (await fetch(`${s.url}/apis`)).json()) as { groups: Array<{ name: string }> };
    expect(groups.groups.map((g) => g.name)).not.toContain('example.com');
    expect((await fetch(`${s.url}/apis/example.com/v1`)).status).toBe(404);
    expect((await fetch(`${s.url}/apis/example.com/v1/namespaces/default/widgets`)).status).toBe(404);
    s.setDiscoveryFaults({ crdServeDelayMs: 0 });
    expect((await fetch(`${s.url}/apis/example.com/v1`)).status).toBe(200);
    await until(async () => (await k.run('get', 'widgets')).code === 0, 10_000, 'widgets served');
  });
});

describe('the fault flags of the CLI', () => {
  const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kube-sim.mjs');
  function run(...args: string[]): Promise<{ code: number | null; out: string; url?: string; stop: () => void }> {
    const child = spawn(process.execPath, [cli, '--port', '0', '--no-simulate', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    return new Promise((done) => {
      const collect = (c: Buffer) => {
        out += c.toString();
        const m = /"url":"([^"]+)"/.exec(out);
        if (m) done({ code: null, out, url: m[1], stop: () => child.kill('SIGTERM') });
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.once('exit', (code) => done({ code, out, stop: () => undefined }));
    });
  }

  it('refuses a bad value naming the flag', () => {
    expect(() => faultOptions({ 'watch-close-with': 'sometimes' })).toThrow(
      'watch closeWith must be one of end, bookmark, gone, got sometimes',
    );
    expect(() => faultOptions({ 'watch-gone-as': 'maybe' })).toThrow('watch goneAs must be one of event, status');
    expect(() => faultOptions({ 'watch-close-after-ms': '1.5' })).toThrow(
      '--watch-close-after-ms must be a whole number',
    );
    expect(() => faultOptions({ 'token-rotate-seconds': '5' })).toThrow('--token-rotate-seconds needs --token-file');
    expect(() => faultOptions({ 'token-file': 'x', 'token-rotate-seconds': '-1' })).toThrow(
      '--token-rotate-seconds must be from 0 to 86400',
    );
    expect(() => faultOptions({ 'unavailable-api': ['metrics'] })).toThrow('must be named group/version');
    expect(() => faultOptions({ 'crd-serve-delay-ms': 'soon' })).toThrow('--crd-serve-delay-ms must be a whole number');
  });

  it('turns each mode on from the command line', async () => {
    const tokenFile = join(dir, 'cli-token');
    const on = await run(
      ...['--token-file', tokenFile, '--token-rotate-seconds', '1', '--unavailable-api', 'metrics.k8s.io/v1beta1'],
      ...['--watch-close-after-ms', '200', '--watch-close-with', 'gone', '--watch-gone-as', 'status'],
    );
    try {
      expect(on.url, on.out).toBeDefined();
      const first = readFileSync(tokenFile, 'utf8').trim();
      const auth = { authorization: `Bearer ${first}` };
      expect((await fetch(`${on.url}/apis/metrics.k8s.io/v1beta1`, { headers: auth })).status).toBe(503);
      const w = await fetch(`${on.url}/api/v1/namespaces?watch=1`, { headers: auth });
      expect(await w.text()).toContain('"reason":"Expired"');
      await until(() => readFileSync(tokenFile, 'utf8').trim() !== first, 5_000, 'a rotation');
      expect((await fetch(`${on.url}/api/v1/namespaces`, { headers: auth })).status).toBe(401);
    } finally {
      on.stop();
    }
  });
});

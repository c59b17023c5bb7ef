// kube-sim's faults (src/faults/) and paging (src/paging.ts), judged by the real kubectl v1.33
// (client-go): a 429 with Retry-After is waited out and retried, server errors and resets are
// not, a black hole hits the request timeout, an expired continue token ends `get --chunk-size`
// with the server's 410 message; latency is seen by a plain client.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type KubeSim, startKubeSim } from '../src/index.js';
import { faultsFromFlags } from '../src/faults/cli.js';
import { Kubectl, kubectlPath, until } from './kubectl-runner.js';

let sim: KubeSim;
let k: Kubectl;

beforeAll(async () => {
  sim = await startKubeSim({ port: 0, simulate: false });
  k = new Kubectl(await kubectlPath(), sim.kubeconfigPath);
  for (let i = 0; i < 5; i++) expect((await k.run('create', 'configmap', `c${i}`)).code).toBe(0);
});

afterAll(async () => {
  sim?.setBlackHole(false);
  await sim?.close();
  k?.cleanup();
});

beforeEach(() => sim.setFaults({}));

const names = (out: string) =>
  out
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s+/)[0]);

describe('throttling (API Priority and Fairness 429)', () => {
  it('answers 429 with Retry-After, the APF headers and its plain-text body; kubectl waits it out and retries', async () => {
    sim.setFaults({ throttle: { list: 1 } });
    const res = await fetch(`${sim.url}/api/v1/namespaces/default/configmaps`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('x-kubernetes-pf-flowschema-uid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-kubernetes-pf-prioritylevel-uid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.text()).toBe('Too many requests, please try again later.\n');

    // Half the lists: the first is refused, kubectl's retry is served.
    sim.setFaults({ throttle: { list: 0.5 } });
    const started = Date.now();
    const r = await k.run('get', 'configmaps', '-v=4');
    expect(r.code, r.stderr).toBe(0);
    expect(names(r.stdout)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(r.stderr).toMatch(/Got a Retry-After response" delay="1s" attempt=1/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(sim.faultsInjected['throttle/list']).toBe(2); // the fetch above and kubectl's first try
  });

  it('per verb: writes throttled, reads not; the Status body when asked; kubectl gives up after its retries', async () => {
    sim.setFaults({ throttle: { apply: 1 }, retryAfterSeconds: 0, throttleBody: 'status' });
    const got = await k.run('get', 'configmap', 'c1');
    expect(got.code, got.stderr).toBe(0);
    const res = await fetch(`${sim.url}/api/v1/namespaces/default/configmaps/c1?fieldManager=t`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' } }),
    });
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Too many requests, please try again later.',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 0 },
      code: 429,
    });
    const applied = await k.run(
      'apply',
      '--server-side',
      '-f',
      k.file('c1.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1, namespace: default}\n'),
    );
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain('Too many requests, please try again later.');
    // client-go's default: the first try and 10 retries.
    expect(sim.faultsInjected['throttle/apply']).toBeGreaterThanOrEqual(11);
  });
});

describe('server errors and resets', () => {
  it('answers a server error in the real Status shape; kubectl does not retry it', async () => {
    sim.setFaults({ serverErrors: { get: 1 } });
    const r = await k.run('get', 'configmap', 'c1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Error from server (InternalError): Internal error occurred: etcdserver: request timed out',
    );
    sim.setFaults({ serverErrors: { get: 1 }, serverErrorCode: 503 });
    const r2 = await k.run('get', 'configmap', 'c1');
    expect(r2.stderr).toContain(
      'Error from server (ServiceUnavailable): the server is currently unable to handle the request',
    );
    sim.setFaults({ serverErrors: { get: 1 }, serverErrorCode: 504 });
    const res = await fetch(`${sim.url}/api/v1/namespaces/default/configmaps/c1`);
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ reason: 'Timeout', code: 504 });
  });

  it('resets the connection half-way through the body; kubectl reports the reset', async () => {
    sim.setFaults({ resets: { list: 1 } });
    const r = await k.run('get', 'configmaps');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unexpected error when reading response body.*connection reset by peer/s);
    sim.setFaults({ resets: { get: 1 } });
    let err = 'read whole';
    try {
      await (await fetch(`${sim.url}/api/v1/namespaces/default/configmaps/c1`)).text();
    } catch (e) {
      err = String(((e as Error).cause as Error | undefined)?.message ?? (e as Error).message);
    }
    expect(err).not.toBe('read whole');
    expect(sim.faultsInjected['reset/get']).toBe(1);
  });

  it('black hole: kubectl hits its request timeout', async () => {
    sim.setBlackHole(true);
    const r = await k.run('get', 'configmaps', '--request-timeout=1s');
    sim.setBlackHole(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Unable to connect to the server: .*(context deadline exceeded|Client\.Timeout exceeded)/);
  });
});

describe('latency', () => {
  it('delays every write and every list by the set milliseconds, and nothing else', async () => {
    sim.setFaults({ writeLatencyMs: 300, listLatencyMs: 200 });
    const time = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const cm = (n: string) =>
      fetch(`${sim.url}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n } }),
      });
    expect(await time(() => cm('slow-write'))).toBeGreaterThanOrEqual(295);
    expect(await time(() => fetch(`${sim.url}/api/v1/namespaces/default/configmaps`))).toBeGreaterThanOrEqual(195);
    // Writes wait side by side, as on a real server: ten at once take one latency, not ten.
    const ten = await time(() => Promise.all(Array.from({ length: 10 }, (_, i) => cm(`par-${i}`))));
    expect(ten).toBeGreaterThanOrEqual(295);
    expect(ten).toBeLessThan(10 * 300);
    sim.setFaults({});
    expect(await time(() => cm('fast'))).toBeLessThan(295);
  });
});

describe('paging', () => {
  type List = { items: any[]; metadata: { continue?: string; remainingItemCount?: number; resourceVersion: string } };
  const list = async (q: string) => {
    const res = await fetch(`${sim.url}/api/v1/namespaces/default/configmaps?${q}`);
    return { status: res.status, body: (await res.json()) as any };
  };

  it('kubectl get --chunk-size walks every page; the pages carry continue and remainingItemCount', async () => {
    const r = await k.run('get', 'configmaps', '--chunk-size=2', '-v=6');
    expect(r.code, r.stderr).toBe(0);
    expect(names(r.stdout)).toEqual(expect.arrayContaining(['c0', 'c1', 'c2', 'c3', 'c4']));
    expect(r.stderr.match(/configmaps\?continue=/g)?.length).toBeGreaterThanOrEqual(2);
    const first = (await list('limit=2')).body as List;
    expect(first.items).toHaveLength(2);
    expect(first.metadata.continue).toBeTruthy();
    const total = (await list('')).body.items.length;
    expect(first.metadata.remainingItemCount).toBe(total - 2);
    const second = (await list(`limit=2&continue=${first.metadata.continue}`)).body as List;
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(second.items[0].metadata.name > first.items[1].metadata.name).toBe(true);
  });

  it('an expired continue token gets 410 Expired with the real message and a token to go on inconsistently', async () => {
    sim.setFaults({ expireContinue: 1 });
    const r = await k.run('get', 'configmaps', '--chunk-size=2');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Error from server (Expired): The provided continue parameter is too old to display a consistent list result.',
    );

    sim.setFaults({ continueTtlMs: 100 });
    const first = (await list('limit=2')).body as List;
    const fresh = await list(`limit=2&continue=${first.metadata.continue}`);
    expect(fresh.status).toBe(200);
    await new Promise((res) => setTimeout(res, 150)); // the token's time to live passing is the point
    const old = await list(`limit=2&continue=${first.metadata.continue}`);
    expect(old.status).toBe(410);
    expect(old.body).toMatchObject({
      kind: 'Status',
      reason: 'Expired',
      code: 410,
      metadata: { continue: expect.any(String) },
    });
    const goOn = await list(`limit=2&continue=${old.body.metadata.continue}`);
    expect(goOn.status).toBe(200);
    expect(goOn.body.items[0].metadata.name > first.items[1].metadata.name).toBe(true);

    sim.setFaults({});
    const beforeCompaction = (await list('limit=2')).body as List;
    sim.compact();
    expect((await list(`limit=2&continue=${beforeCompaction.metadata.continue}`)).status).toBe(410);
  });
});

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kube-sim.mjs');

/** Runs the CLI until it prints its URL (then `url`) or exits (then `code` and stderr). */
function cli(...args: string[]): Promise<{
  url?: string;
  code?: number | null;
  err: string;
  signal(s: NodeJS.Signals): void;
  stop(): Promise<void>;
}> {
  const child = spawn(process.execPath, [bin, '--port', '0', '--kubeconfig', join(k.dir, 'cli-kubeconfig'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((done) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) done({ url: m[1], err, stop, signal: (sig) => child.kill(sig) });
    });
    void exited.then((code) => done({ code, err, stop, signal: () => undefined }));
  });
}

describe('fault flags', () => {
  it('the CLI takes them (SIGUSR2 toggles the black hole) and refuses a bad one', async () => {
    const on = await cli('--no-simulate', '--throttle', 'list=1', '--retry-after', '3', '--list-latency', '5ms');
    try {
      const throttled = await fetch(`${on.url}/api/v1/namespaces`);
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('3');
      expect((await fetch(`${on.url}/api/v1/namespaces/default`)).status).toBe(200);
      on.signal('SIGUSR2');
      await until(
        async () =>
          (await fetch(`${on.url}/api/v1/namespaces/default`, { signal: AbortSignal.timeout(300) }).catch(
            (e: Error) => e.name,
          )) === 'TimeoutError',
        10_000,
        'the black hole after SIGUSR2',
      );
      expect((await fetch(`${on.url}/healthz`)).status).toBe(200);
    } finally {
      await on.stop();
    }
    const bad = await cli('--write-latency', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--write-latency: expected a duration such as 5ms, 2s or 1m, got "soon"');
  });

  it('parse to settings and refuse bad values naming the flag', () => {
    expect(
      faultsFromFlags({
        throttle: 'apply=0.05,list=0.1',
        'retry-after': '2',
        'server-errors': '0.01',
        'write-latency': '5ms',
        'list-latency': '1s',
        'continue-ttl': '1m',
      }),
    ).toEqual({
      throttle: { apply: 0.05, list: 0.1 },
      retryAfterSeconds: 2,
      serverErrors: 0.01,
      writeLatencyMs: 5,
      listLatencyMs: 1000,
      continueTtlMs: 60_000,
    });
    expect(() => faultsFromFlags({ throttle: 'fetch=0.1' })).toThrow(/--throttle: .*verbs/);
    expect(() => faultsFromFlags({ resets: '2' })).toThrow(/--resets: expected a fraction from 0 to 1, got "2"/);
    expect(() => faultsFromFlags({ 'write-latency': 'fast' })).toThrow(/--write-latency: expected a duration/);
    expect(() => faultsFromFlags({ 'server-error-code': '502' })).toThrow(/serverErrorCode must be 500, 503 or 504/);
  });
});

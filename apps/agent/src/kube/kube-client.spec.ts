import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedToken, type BearerSource } from './credentials.js';
import { KubeApiError, KubeClient, queryString } from './kube-client.js';

let server: Server;
let client: KubeClient;
const seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> = [];
const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      (
        routes.get(req.url?.split('?')[0] ?? '') ??
        ((_q, r) =>
          r
            .writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ reason: 'NotFound', message: 'no such thing' })))
      )(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new KubeClient({
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    bearer: new FixedToken('t0ken'),
    insecureSkipTlsVerify: false,
  });
});

afterAll(async () => {
  client.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('KubeClient', () => {
  it('sends the path, encoded query, JSON body and bearer token, and decodes the answer', async () => {
    routes.set('/api/v1/namespaces/a/configmaps/b', (_q, res) =>
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"metadata":{"resourceVersion":"7"}}'),
    );
    const res = await client.request<{ metadata: { resourceVersion: string } }>(
      'PATCH',
      '/api/v1/namespaces/a/configmaps/b',
      {
        body: { x: 'é' },
        contentType: 'application/apply-patch+yaml',
        query: {
          fieldManager: 'flotilla',
          force: 'true',
          dryRun: undefined,
          labelSelector: 'flotilla.dev/cluster=a b',
        },
      },
    );
    expect(res.status).toBe(201);
    expect(res.body.metadata.resourceVersion).toBe('7');
    const req = seen.at(-1)!;
    expect(req.url).toBe(
      '/api/v1/namespaces/a/configmaps/b?fieldManager=flotilla&force=true&labelSelector=flotilla.dev%2Fcluster%3Da%20b',
    );
    expect(req.headers).toMatchObject({
      authorization: 'Bearer t0ken',
      'content-type': 'application/apply-patch+yaml',
      'content-length': String(Buffer.byteLength('{"x":"é"}')),
      accept: 'application/json',
    });
    expect(req.body).toBe('{"x":"é"}');
    expect(client.requests).toBeGreaterThanOrEqual(1);
  });

  it('hands out a body that is not JSON as text', async () => {
    routes.set('/text', (_q, res) => res.writeHead(200).end('plain words'));
    expect((await client.request('GET', '/text')).body).toBe('plain words');
  });

  it("throws KubeApiError with the server's status, reason and message on a non-2xx answer", async () => {
    const err = await client.request('GET', '/missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ status: 404, reason: 'NotFound', message: 'GET /missing: 404 no such thing' });
  });

  it('rejects, naming the request, when the connection closes before the answer is complete', async () => {
    routes.set('/cut', (_q, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"half":');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    await expect(client.request('GET', '/cut')).rejects.toThrow(/GET \/cut|aborted/);
  });

  it('reads watch events whole, even when a character is split across two chunks', async () => {
    const line = Buffer.from(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'ünïcödé' } } })}\n`);
    const cut = line.indexOf(Buffer.from('ü')) + 1; // inside the two bytes of ü
    routes.set('/watch', (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(line.subarray(0, cut));
      setTimeout(() => res.end(line.subarray(cut)), 20);
    });
    const events = [];
    for await (const e of client.watch('/watch', {}, new AbortController().signal)) events.push(e);
    expect(events).toEqual([{ type: 'ADDED', object: { metadata: { name: 'ünïcödé' } } }]);
    const url = seen.at(-1)!.url!;
    expect(url).toMatch(/^\/watch\?timeoutSeconds=\d+&watch=1&allowWatchBookmarks=true$/);
    const timeoutSeconds = Number(/timeoutSeconds=(\d+)/.exec(url)![1]);
    expect(timeoutSeconds).toBeGreaterThanOrEqual(300);
    expect(timeoutSeconds).toBeLessThan(600);
  });
});

describe('KubeClient with a rotating token', () => {
  /** A source whose token rotates: after a 401 it hands out the next one. */
  class Rotating implements BearerSource {
    fetches = 0;
    constructor(private readonly tokens: string[]) {}
    token(): Promise<string> {
      return Promise.resolve(this.tokens[Math.min(this.fetches, this.tokens.length - 1)]!);
    }
    invalidate(): boolean {
      this.fetches++;
      return true;
    }
  }

  it('retries a 401 once with a fresh token, for requests and watches', async () => {
    const bearer = new Rotating(['old', 'new']);
    const c = new KubeClient({ server: client.endpoint.server, bearer, insecureSkipTlsVerify: false });
    const onlyNew = (req: IncomingMessage, res: ServerResponse) =>
      req.headers.authorization === 'Bearer new'
        ? res.writeHead(200, { 'content-type': 'application/json' }).end('{"type":"ADDED","object":{}}\n')
        : res
            .writeHead(401, { 'content-type': 'application/json' })
            .end('{"reason":"Unauthorized","message":"Unauthorized"}');
    routes.set('/rotating', onlyNew);
    routes.set('/rotating-watch', onlyNew);
    try {
      expect((await c.request('GET', '/rotating')).status).toBe(200);
      expect(bearer.fetches).toBe(1);
      const events = [];
      for await (const e of c.watch('/rotating-watch', {}, new AbortController().signal)) events.push(e);
      expect(events).toEqual([{ type: 'ADDED', object: {} }]);
    } finally {
      c.close();
    }
  });

  it('gives up after one retry, with the 401 named', async () => {
    const bearer = new Rotating(['bad', 'worse', 'worst']);
    const c = new KubeClient({ server: client.endpoint.server, bearer, insecureSkipTlsVerify: false });
    routes.set('/never', (_q, res) =>
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"reason":"Unauthorized","message":"Unauthorized"}'),
    );
    try {
      await expect(c.request('GET', '/never')).rejects.toMatchObject({ status: 401, reason: 'Unauthorized' });
      expect(bearer.fetches).toBe(1);
    } finally {
      c.close();
    }
  });

  it('a fixed token is not retried', async () => {
    const seenBefore = seen.length;
    await expect(client.request('GET', '/never')).rejects.toMatchObject({ status: 401 });
    expect(seen.length - seenBefore).toBe(1);
  });
});

describe('KubeClient against a server that goes silent', () => {
  it('fails a request with no whole answer in time, as a retryable timeout', async () => {
    const c = new KubeClient(
      { server: client.endpoint.server, insecureSkipTlsVerify: false },
      { requestTimeoutMs: 300 },
    );
    routes.set('/silent', (_q, res) => res.writeHead(200, { 'content-length': '10' }).write('{"a"'));
    try {
      const started = Date.now();
      await expect(c.request('GET', '/silent')).rejects.toMatchObject({
        status: 0,
        reason: 'Timeout',
        message: expect.stringMatching(/GET \/silent: no complete answer within 300 ms/),
      });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      c.close();
    }
  });

  it('ends a watch that brings nothing for the idle limit, naming it', async () => {
    const c = new KubeClient({ server: client.endpoint.server, insecureSkipTlsVerify: false }, { watchIdleMs: 300 });
    routes.set('/quiet-watch', (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{}}\n');
    });
    const events: unknown[] = [];
    try {
      await expect(
        (async () => {
          for await (const e of c.watch('/quiet-watch', {}, new AbortController().signal)) events.push(e);
        })(),
      ).rejects.toMatchObject({ status: 0, reason: 'WatchIdle' });
      expect(events).toEqual([{ type: 'ADDED', object: {} }]);
    } finally {
      c.close();
    }
  });

  it('refuses an answer larger than the cap', async () => {
    const c = new KubeClient({ server: client.endpoint.server, insecureSkipTlsVerify: false }, { maxBodyBytes: 1000 });
    routes.set('/huge', (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('x'.repeat(5000)));
    try {
      await expect(c.request('GET', '/huge')).rejects.toThrow(/larger than 1000 bytes/);
    } finally {
      c.close();
    }
  });
});

describe('queryString', () => {
  it('leaves undefined entries out and is empty without any', () => {
    expect(queryString({ a: undefined })).toBe('');
    expect(queryString(undefined)).toBe('');
    expect(queryString({ a: '1', b: undefined, c: 'x/y' })).toBe('?a=1&c=x%2Fy');
  });
});

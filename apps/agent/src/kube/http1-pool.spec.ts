import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionClosedError, Http1Pool } from './http1-pool.js';

/** A server that speaks raw bytes: `answer` gets each request's head and the socket it came on. */
interface RawServer {
  origin: URL;
  connections: number;
  heads: string[];
  close(): Promise<void>;
}
const servers: Array<RawServer | Http1Pool> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function serve(
  answer: (head: string, socket: Socket, n: number) => void,
  make: (handler: (s: Socket) => void) => Server = createNetServer,
  protocol = 'http:',
): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const out: RawServer = { origin: new URL('http://x'), connections: 0, heads: [], close: async () => undefined };
  const server = make((socket) => {
    out.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let end; (end = buf.indexOf('\r\n\r\n')) >= 0;) {
        const head = buf.slice(0, end);
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        buf = buf.slice(end + 4 + length);
        out.heads.push(head);
        answer(head, socket, out.heads.length);
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      out.origin = new URL(`${protocol}//127.0.0.1:${(server.address() as AddressInfo).port}`);
      out.close = () => new Promise((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r())));
      servers.push(out);
      resolve(out);
    }),
  );
}

function pool(origin: URL, extra: Partial<ConstructorParameters<typeof Http1Pool>[0]> = {}): Http1Pool {
  const p = new Http1Pool({ origin, maxConnections: 4, ...extra });
  servers.push(p);
  return p;
}
const ok = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n${extra}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const get = (path = '/x') => `GET ${path} HTTP/1.1\r\n`;

describe('Http1Pool', () => {
  it('sends the head, Host, Content-Length and body in one request, and reuses the connection', async () => {
    const s = await serve((_h, socket) => socket.write(ok('{"a":"é"}')));
    const p = pool(s.origin);
    const a = await p.request('PATCH /a?x=1 HTTP/1.1\r\ncontent-type: application/json\r\n', '{"v":"ü"}');
    const b = await p.request(get('/b'), undefined);
    expect(a).toMatchObject({ status: 200 });
    expect(a.body.toString()).toBe('{"a":"é"}');
    expect(b.body.toString()).toBe('{"a":"é"}');
    expect(s.heads[0]).toBe(
      `PATCH /a?x=1 HTTP/1.1\r\ncontent-type: application/json\r\nHost: ${s.origin.host}\r\nContent-Length: ${Buffer.byteLength('{"v":"ü"}')}`,
    );
    expect(s.heads[1]).toBe(`GET /b HTTP/1.1\r\nHost: ${s.origin.host}`);
    expect(s.connections).toBe(1);
  });

  it('decodes a chunked answer sent a byte at a time, with chunk extensions and trailers', async () => {
    const wire =
      'HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n4;ext=1\r\n{"ab\r\nA\r\n":"cdefgh"\r\n1\r\n}\r\n0\r\ntrailer: x\r\n\r\n';
    const s = await serve((_h, socket) => {
      let i = 0;
      const drip = () => (i < wire.length ? (socket.write(wire[i++]!), setImmediate(drip)) : undefined);
      drip();
    });
    const p = pool(s.origin);
    const r = await p.request(get(), undefined);
    expect(r.status).toBe(201);
    expect(r.body.toString()).toBe('{"ab":"cdefgh"}');
    expect((await p.request(get(), undefined)).body.toString()).toBe('{"ab":"cdefgh"}');
    expect(s.connections).toBe(1);
  });

  it('reads an answer without a length to the end of the connection, and skips interim answers', async () => {
    const s = await serve((_h, socket, n) =>
      n === 1
        ? socket.end('HTTP/1.1 200 OK\r\n\r\nto the end')
        : socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'),
    );
    const p = pool(s.origin);
    expect((await p.request(get(), undefined)).body.toString()).toBe('to the end');
    const r = await p.request(get(), undefined);
    expect(r.status).toBe(204);
    expect(r.body.length).toBe(0);
    expect(s.connections).toBe(2);
  });

  it('closes a connection the server answered with Connection: close, or with more bytes than the answer declared', async () => {
    const s = await serve((_h, socket, n) =>
      socket.write(n === 1 ? ok('{}', 'connection: close\r\n') : ok('{}') + 'extra'),
    );
    const p = pool(s.origin);
    await p.request(get(), undefined);
    expect((await p.request(get(), undefined)).body.toString()).toBe('{}');
    await p.request(get(), undefined);
    expect(s.connections).toBe(3);
  });

  it('sends a request once more on a fresh connection when the reused one was closed before answering', async () => {
    // The server drops every second request on a connection without a byte of answer: what a
    // server closing an idle keep-alive connection looks like from the client.
    let dropped = 0;
    const s = await serve((_h, socket) => {
      const seen = ((socket as Socket & { n?: number }).n = ((socket as Socket & { n?: number }).n ?? 0) + 1);
      if (seen === 2) {
        dropped++;
        return socket.destroy();
      }
      socket.write(ok('{"fine":true}'));
    });
    const p = pool(s.origin, { maxConnections: 1 });
    await p.request(get(), undefined);
    expect((await p.request(get(), undefined)).body.toString()).toBe('{"fine":true}');
    expect(dropped).toBe(1);
    expect(s.connections).toBe(2);
  });

  it('fails, without sending again, when a connection closes part way through the answer', async () => {
    const s = await serve(
      (_h, socket) => (
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"half":'),
        setTimeout(() => socket.destroy(), 10)
      ),
    );
    const err = await pool(s.origin)
      .request(get(), undefined)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect((err as ConnectionClosedError).nothingReceived).toBe(false);
    expect(s.heads).toHaveLength(1);
  });

  it.each([
    ['a bad status line', 'HTTP/2 200\r\n\r\n', /bad status line/],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', /bad chunk size "zz"/],
    [
      'a chunk longer than its size',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n',
      /chunk longer than its size/,
    ],
    ['a head without end', `HTTP/1.1 200 OK\r\nx: ${'y'.repeat(70_000)}`, /head is too long/],
  ])('refuses %s', async (_name, wire, message) => {
    const s = await serve((_h, socket) => socket.write(wire));
    await expect(pool(s.origin).request(get(), undefined)).rejects.toThrow(message);
  });

  it('keeps at most maxConnections open and answers every request', async () => {
    const s = await serve((h, socket) => setTimeout(() => socket.write(ok(JSON.stringify(h.split(' ')[1]))), 5));
    const p = pool(s.origin, { maxConnections: 2 });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => p.request(get(`/n${i}`), undefined)));
    expect(answers.map((a) => JSON.parse(a.body.toString()) as string)).toEqual(
      Array.from({ length: 12 }, (_, i) => `/n${i}`),
    );
    expect(s.connections).toBe(2);
  });

  it('stops a request when its signal aborts, in flight or waiting for a connection, and does not send it again', async () => {
    const s = await serve(() => undefined); // never answers
    const p = pool(s.origin, { maxConnections: 1 });
    const ac = new AbortController();
    const inFlight = p.request(get('/slow'), undefined, ac.signal);
    const waiting = p.request(get('/queued'), undefined, ac.signal);
    await expect.poll(() => s.heads.length).toBe(1); // /slow is in flight, /queued waits
    ac.abort();
    await expect(inFlight).rejects.toMatchObject({ name: 'AbortError' });
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(s.heads).toEqual([`GET /slow HTTP/1.1\r\nHost: ${s.origin.host}`]);
  });

  it('fails every waiting request when the server cannot be reached, and when the pool closes', async () => {
    const s = await serve(() => undefined);
    const origin = s.origin;
    await s.close();
    const p = pool(origin, { maxConnections: 1 });
    const all = await Promise.allSettled([
      p.request(get(), undefined),
      p.request(get(), undefined),
      p.request(get(), undefined),
    ]);
    expect(all.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((all[2] as PromiseRejectedResult).reason)).toMatch(/ECONNREFUSED/);

    const live = await serve(() => undefined);
    const q = pool(live.origin, { maxConnections: 1 });
    const pending = [q.request(get(), undefined), q.request(get(), undefined)];
    await expect.poll(() => live.heads.length).toBe(1); // one in flight, one waiting
    q.close();
    for (const r of pending) await expect(r).rejects.toThrow(/closed/);
  });

  it('speaks TLS, checking the server certificate against the CA it was given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pool-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=IP:127.0.0.1,DNS:localhost',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const key = readFileSync(join(dir, 'key.pem'));
      const cert = readFileSync(join(dir, 'cert.pem'));
      const s = await serve(
        (_h, socket) => socket.write(ok('"secure"')),
        (handler) => createTlsServer({ key, cert }, handler),
        'https:',
      );
      expect((await pool(s.origin, { tls: { ca: cert } }).request(get(), undefined)).body.toString()).toBe('"secure"');
      await expect(pool(s.origin, { tls: {} }).request(get(), undefined)).rejects.toThrow(/self.signed|certificate/i);
      expect((await pool(s.origin, { tls: { rejectUnauthorized: false } }).request(get(), undefined)).status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

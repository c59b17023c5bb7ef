/**
 * A raw HTTP client for sending bodies far over the limit: it streams the same 64 KiB chunk
 * (so the test process holds no big buffer), stops writing as soon as the response arrives,
 * and reports how many bytes actually left before the server answered.
 */
import { request } from 'node:http';

export interface LargeBodyResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  bytesSent: number;
  ms: number;
}

export interface LargeBodyOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** Total bytes to offer. */
  total: number;
  /** Declare Content-Length (default) or send chunked without one. */
  declareLength?: boolean;
  /** Bytes sent first, e.g. the start of a real JSON operation. */
  prefix?: string;
  /** Source address to connect from (any 127.x.y.z works on Linux loopback). */
  localAddress?: string;
}

const CHUNK = Buffer.alloc(64 * 1024, 'x');

export function sendLargeBody(opts: LargeBodyOptions): Promise<LargeBodyResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let answered = false;
    const req = request(opts.url, {
      method: opts.method ?? 'POST',
      headers: {
        ...(opts.declareLength === false
          ? { 'transfer-encoding': 'chunked' }
          : { 'content-length': String(opts.total) }),
        ...opts.headers,
      },
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    req.on('response', (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(parts).toString('utf8'),
          bytesSent,
          ms: performance.now() - started,
        }),
      );
      res.on('error', reject);
    });
    // The server closes the connection after refusing: a write error then is expected.
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    const pump = () => {
      while (!answered && bytesSent < opts.total) {
        const chunk =
          bytesSent === 0 && opts.prefix
            ? Buffer.from(opts.prefix)
            : CHUNK.subarray(0, Math.min(CHUNK.length, opts.total - bytesSent));
        bytesSent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

/** A JSON POST from a chosen source address (fetch cannot pick one). */
export function postFrom(opts: {
  url: string;
  localAddress: string;
  headers?: Record<string, string>;
  body: string;
}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      opts.url,
      {
        method: 'POST',
        localAddress: opts.localAddress,
        headers: { 'content-type': 'application/json', ...opts.headers },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

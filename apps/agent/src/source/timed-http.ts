/**
 * An isomorphic-git HTTP client with a time limit on each whole request (connect, send, read)
 * and a size limit on each answer: a Git host that hangs or trickles fails the request after
 * `timeoutMs` (and the socket is closed), instead of holding a reconcile for ever.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

export interface TimedHttpOptions {
  timeoutMs: number;
  /** Largest answer accepted, in bytes. */
  maxBytes: number;
}

async function collect(body: AsyncIterable<Uint8Array> | undefined): Promise<Buffer | undefined> {
  if (!body) return undefined;
  const parts: Uint8Array[] = [];
  for await (const chunk of body) parts.push(chunk);
  return Buffer.concat(parts);
}

async function readLimited(res: Response, maxBytes: number, url: string): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  let size = 0;
  if (!res.body) return parts;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new Error(`answer from ${url} is larger than ${maxBytes} bytes`);
    parts.push(chunk);
  }
  return parts;
}

async function* iterate(parts: Uint8Array[]): AsyncIterableIterator<Uint8Array> {
  for (const p of parts) yield p;
}

export function timedHttp(o: TimedHttpOptions): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const method = req.method ?? 'GET';
      const signal = AbortSignal.timeout(o.timeoutMs);
      const origin = new URL(req.url).origin;
      try {
        const body = await collect(req.body);
        const res = await fetch(req.url, { method, headers: req.headers ?? {}, body, signal });
        const parts = await readLimited(res, o.maxBytes, origin);
        return {
          url: res.url,
          method,
          statusCode: res.status,
          statusMessage: res.statusText,
          headers: Object.fromEntries(res.headers),
          body: iterate(parts),
        };
      } catch (error) {
        if (signal.aborted) throw new Error(`request to ${origin} timed out after ${o.timeoutMs} ms`, { cause: error });
        throw error;
      }
    },
  };
}

/**
 * The HTTP side of the agent's Kubernetes client: JSON requests over one keep-alive agent, and
 * watch streams read line by line. Counts its requests (the benchmark and tests read it).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { KubeEndpoint } from './kubeconfig.js';

export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
  toJSON() {
    return { name: this.name, status: this.status, reason: this.reason, message: this.message };
  }
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

export interface KubeResponse<T> {
  status: number;
  /** The decoded JSON answer (read lazily). */
  readonly body: T;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

/** JSON when the text is JSON (undefined when empty), else the text itself. */
function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/** `?a=1&b=2` from the defined entries of `query` (empty when none). */
export function queryString(query: Record<string, string | undefined> | undefined): string {
  let out = '';
  for (const k in query) {
    const v = query[k];
    if (v !== undefined) out += `${out ? '&' : '?'}${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
  }
  return out;
}

export class KubeClient {
  requests = 0;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly send: typeof httpRequest;
  /** Where every request goes; only `path` and the per-request fields change. */
  private readonly target: { protocol: string; hostname: string; port: string; prefix: string };
  private readonly baseHeaders: Record<string, string>;

  constructor(readonly endpoint: KubeEndpoint) {
    const base = new URL(endpoint.server);
    const https = base.protocol === 'https:';
    // Keep-alive sockets, a few more than the applier and planner keep in flight, so a burst never waits for a connection.
    const common = { keepAlive: true, maxSockets: 32 };
    this.agent = https
      ? new HttpsAgent({ ...common, ca: endpoint.ca, cert: endpoint.cert, key: endpoint.key, rejectUnauthorized: !endpoint.insecureSkipTlsVerify })
      : new HttpAgent(common);
    this.send = https ? (httpsRequest as unknown as typeof httpRequest) : httpRequest;
    // IPv6 literals come bracketed from URL; the request options want them bare.
    this.target = { protocol: base.protocol, hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'), port: base.port, prefix: base.pathname.replace(/\/$/, '') };
    this.baseHeaders = { accept: 'application/json', 'user-agent': 'flotilla-agent', ...(endpoint.token ? { authorization: `Bearer ${endpoint.token}` } : {}) };
  }

  private open(method: string, path: string, opts: RequestOptions): Promise<IncomingMessage> {
    this.requests++;
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers = payload ? { ...this.baseHeaders, 'content-type': opts.contentType ?? 'application/json', 'content-length': String(payload.length) } : this.baseHeaders;
    const { protocol, hostname, port, prefix } = this.target;
    return new Promise((resolve, reject) => {
      const req = this.send({ protocol, hostname, port, path: prefix + path + queryString(opts.query), method, headers, agent: this.agent, signal: opts.signal }, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** One request; a non-2xx answer throws KubeApiError with the server's reason and message. */
  async request<T = Record<string, unknown>>(method: string, path: string, opts: RequestOptions = {}): Promise<KubeResponse<T>> {
    const res = await this.open(method, path, opts);
    const text = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) reject(new KubeApiError(res.statusCode ?? 0, 'ConnectionClosed', `${method} ${path}: the connection closed before the response ended`));
      });
    });
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      const s = (parseBody(text) ?? {}) as { reason?: string; message?: string };
      throw new KubeApiError(status, s.reason ?? 'Unknown', `${method} ${path}: ${status} ${s.message ?? text.slice(0, 300)}`);
    }
    // Parsed on first read: most applies only need the status.
    let body: { value: unknown } | undefined;
    return {
      status,
      get body(): T {
        body ??= { value: parseBody(text) };
        return body.value as T;
      },
    };
  }

  /** A watch: yields events until the server ends the stream or `signal` aborts. */
  async *watch(path: string, query: Record<string, string | undefined>, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    const res = await this.open('GET', path, { query: { ...query, watch: '1', allowWatchBookmarks: 'true' }, signal });
    if ((res.statusCode ?? 0) >= 300) {
      res.resume();
      throw new KubeApiError(res.statusCode ?? 0, 'WatchFailed', `watch ${path}: ${res.statusCode}`);
    }
    // Decoded as a stream, so a character split across two chunks stays whole.
    res.setEncoding('utf8');
    let buffer = '';
    try {
      for await (const chunk of res) {
        buffer += chunk as string;
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) yield JSON.parse(line) as WatchEvent;
        }
      }
    } finally {
      res.destroy();
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

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
  body: T;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

export class KubeClient {
  requests = 0;
  private readonly base: URL;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly send: typeof httpRequest;

  constructor(readonly endpoint: KubeEndpoint) {
    this.base = new URL(endpoint.server);
    const https = this.base.protocol === 'https:';
    const common = { keepAlive: true, maxSockets: 32 };
    this.agent = https
      ? new HttpsAgent({ ...common, ca: endpoint.ca, cert: endpoint.cert, key: endpoint.key, rejectUnauthorized: !endpoint.insecureSkipTlsVerify })
      : new HttpAgent(common);
    this.send = https ? (httpsRequest as unknown as typeof httpRequest) : httpRequest;
  }

  private open(method: string, path: string, opts: RequestOptions): Promise<IncomingMessage> {
    this.requests++;
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'flotilla-agent' };
    if (this.endpoint.token) headers['authorization'] = `Bearer ${this.endpoint.token}`;
    if (payload) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const req = this.send(url, { method, headers, agent: this.agent, signal: opts.signal }, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** One request; a non-2xx answer throws KubeApiError with the server's reason and message. */
  async request<T = Record<string, unknown>>(method: string, path: string, opts: RequestOptions = {}): Promise<KubeResponse<T>> {
    const res = await this.open(method, path, opts);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    if (status < 200 || status > 299) {
      const s = (body ?? {}) as { reason?: string; message?: string };
      throw new KubeApiError(status, s.reason ?? 'Unknown', `${method} ${path}: ${status} ${s.message ?? text.slice(0, 300)}`);
    }
    return { status, body: body as T };
  }

  /** A watch: yields events until the server ends the stream or `signal` aborts. */
  async *watch(path: string, query: Record<string, string | undefined>, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    const res = await this.open('GET', path, { query: { ...query, watch: '1', allowWatchBookmarks: 'true' }, signal });
    if ((res.statusCode ?? 0) >= 300) {
      res.resume();
      throw new KubeApiError(res.statusCode ?? 0, 'WatchFailed', `watch ${path}: ${res.statusCode}`);
    }
    let buffer = '';
    try {
      for await (const chunk of res) {
        buffer += (chunk as Buffer).toString('utf8');
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

/**
 * The HTTP side of the agent's Kubernetes client: JSON requests over a pool of keep-alive
 * connections (http1-pool.ts), and watch streams (node:http) read line by line. Counts its
 * requests (the benchmark and tests read it).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ConnectionClosedError, Http1Pool, POOL_DEFAULTS, RequestTimeoutError } from './http1-pool.js';
import type { KubeEndpoint } from './kubeconfig.js';
import { backoffMs, mayRepeat, RETRY_DEFAULTS, retryWait, type RetryPolicy } from './retry.js';
import { sleep } from '../backoff.js';

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

export interface ClientLimits {
  /** Connect timeout (default 10 s). */
  connectTimeoutMs?: number;
  /** Whole-answer timeout of a request, and the head timeout of a watch (default 60 s). */
  requestTimeoutMs?: number;
  /** Largest answer accepted (default 256 MiB). */
  maxBodyBytes?: number;
  /**
   * A watch that brings nothing (no event, no bookmark, no byte) for this long is ended, as a
   * server that went silent without closing would otherwise hold it for ever (default 60 s). The
   * caller resumes it from its last resourceVersion, which costs one request on a quiet cluster.
   */
  watchIdleMs?: number;
  /** Retries of throttled (429), failed (5xx) and cut requests (kube/retry.ts; RETRY_DEFAULTS otherwise). */
  retry?: Partial<RetryPolicy>;
  /** Items per page of a list (kube/list-pages.ts; default 500, as client-go's pager). */
  listPageSize?: number;
}

/** How long the server may keep a watch open, chosen per watch as client-go does (5–10 minutes). */
function watchTimeoutSeconds(): string {
  return String(300 + Math.floor(Math.random() * 300));
}

export class KubeClient {
  requests = 0;
  /** Requests sent again after a 429, a 5xx or a connection cut mid-answer (kube/retry.ts), since start. */
  retries = 0;
  /** Items per page of a list (ClientLimits.listPageSize). */
  readonly listPageSize: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly pool: Http1Pool;
  /** For watches only. */
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly send: typeof httpRequest;
  /** Where every request goes; only `path` and the per-request fields change. */
  private readonly target: { protocol: string; hostname: string; port: string; prefix: string };
  private readonly baseHeaders: Record<string, string>;

  constructor(
    readonly endpoint: KubeEndpoint,
    private readonly limits: ClientLimits = {},
  ) {
    this.retryPolicy = { ...RETRY_DEFAULTS, ...limits.retry };
    this.listPageSize = limits.listPageSize ?? 500;
    const base = new URL(endpoint.server);
    const https = base.protocol === 'https:';
    // Keep-alive sockets, a few more than the applier and planner keep in flight, so a burst never waits for a connection.
    const tls = {
      ca: endpoint.ca,
      cert: endpoint.cert,
      key: endpoint.key,
      rejectUnauthorized: !endpoint.insecureSkipTlsVerify,
      ...(endpoint.tlsServerName ? { servername: endpoint.tlsServerName } : {}),
    };
    this.pool = new Http1Pool({
      origin: base,
      tls,
      maxConnections: 32,
      connectTimeoutMs: limits.connectTimeoutMs,
      requestTimeoutMs: limits.requestTimeoutMs,
      maxBodyBytes: limits.maxBodyBytes,
    });
    this.agent = https ? new HttpsAgent({ keepAlive: true, ...tls }) : new HttpAgent({ keepAlive: true });
    this.send = https ? (httpsRequest as unknown as typeof httpRequest) : httpRequest;
    // IPv6 literals come bracketed from URL; the request options want them bare.
    this.target = {
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: base.port,
      prefix: base.pathname.replace(/\/$/, ''),
    };
    this.baseHeaders = { accept: 'application/json', 'user-agent': 'flotilla-agent' };
    this.headerLines = Object.entries(this.baseHeaders)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
  }

  /** baseHeaders as header lines, each ending in CRLF. */
  private readonly headerLines: string;

  /** The authorization header's value now (the token may rotate), or undefined. */
  private async authorization(): Promise<string | undefined> {
    const token = await this.endpoint.bearer?.token();
    return token ? `Bearer ${token}` : undefined;
  }

  /** After a 401: whether a fresh token might help (a token file or exec plugin), once per request. */
  private retryAfterUnauthorized(status: number, retried: boolean): boolean {
    return status === 401 && !retried && this.endpoint.bearer?.invalidate() === true;
  }

  /** Opens a streaming request (watches); a 401 is retried once with a fresh token. */
  private async open(method: string, path: string, opts: RequestOptions, retried = false): Promise<IncomingMessage> {
    const res = await this.openOnce(method, path, opts, await this.authorization());
    if (!this.retryAfterUnauthorized(res.statusCode ?? 0, retried)) return res;
    res.resume();
    return this.open(method, path, opts, true);
  }

  private openOnce(
    method: string,
    path: string,
    opts: RequestOptions,
    auth: string | undefined,
  ): Promise<IncomingMessage> {
    this.requests++;
    const { protocol, hostname, port, prefix } = this.target;
    const headers = auth ? { ...this.baseHeaders, authorization: auth } : this.baseHeaders;
    const headLimit = this.limits.requestTimeoutMs ?? POOL_DEFAULTS.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const req = this.send(
        {
          protocol,
          hostname,
          port,
          path: prefix + path + queryString(opts.query),
          method,
          headers,
          agent: this.agent,
          signal: opts.signal,
        },
        (res) => {
          clearTimeout(timer);
          resolve(res);
        },
      );
      const timer = setTimeout(
        () => req.destroy(new KubeApiError(0, 'Timeout', `${method} ${path}: no answer within ${headLimit} ms`)),
        headLimit,
      );
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end();
    });
  }

  /**
   * One request; a non-2xx answer throws KubeApiError with the server's reason and message. A 429,
   * a 5xx or a connection cut mid-answer is sent again as kube/retry.ts allows.
   */
  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<KubeResponse<T>> {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const contentType = payload === undefined ? '' : `content-type: ${opts.contentType ?? 'application/json'}\r\n`;
    const start = `${method} ${this.target.prefix}${path}${queryString(opts.query)} HTTP/1.1\r\n${this.headerLines}${contentType}`;
    const repeatable = mayRepeat(method, opts.contentType);
    let answer: { status: number; text: string; retryAfter?: string };
    let reauthorized = false;
    for (let retry = 0; ; retry++) {
      try {
        answer = await this.send1(method, path, start, payload, opts.signal);
      } catch (error) {
        const cut = error instanceof KubeApiError && error.reason === 'ConnectionClosed';
        if (!cut || !repeatable || retry >= this.retryPolicy.maxRetries) throw error;
        await this.pause(backoffMs(this.retryPolicy, retry), opts.signal);
        continue;
      }
      if (!reauthorized && this.retryAfterUnauthorized(answer.status, false)) {
        reauthorized = true;
        retry--;
        continue;
      }
      const wait = retryWait(this.retryPolicy, retry, answer.status, answer.retryAfter, repeatable);
      if (wait === undefined) break;
      await this.pause(wait, opts.signal);
    }
    const { status, text } = answer;
    if (status < 200 || status > 299) {
      const s = (parseBody(text) ?? {}) as { reason?: string; message?: string };
      const reason = typeof s === 'object' ? s.reason : undefined;
      const message = typeof s === 'object' ? s.message : undefined;
      throw new KubeApiError(
        status,
        reason ?? (status === 429 ? 'TooManyRequests' : 'Unknown'),
        `${method} ${path}: ${status} ${message ?? text.trim().slice(0, 300)}`,
      );
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

  /** Waits before a retry, counting it. */
  private async pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    this.retries++;
    await sleep(ms, signal);
  }

  private async send1(
    method: string,
    path: string,
    start: string,
    payload: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; text: string; retryAfter?: string }> {
    this.requests++;
    const auth = await this.authorization();
    const head = auth ? `${start}authorization: ${auth}\r\n` : start;
    try {
      const res = await this.pool.request(head, payload, signal);
      const text = res.body.toString('utf8');
      return res.retryAfter === undefined
        ? { status: res.status, text }
        : { status: res.status, text, retryAfter: res.retryAfter };
    } catch (error) {
      if (error instanceof ConnectionClosedError)
        throw new KubeApiError(0, 'ConnectionClosed', `${method} ${path}: ${error.message}`);
      if (error instanceof RequestTimeoutError)
        throw new KubeApiError(0, 'Timeout', `${method} ${path}: ${error.message}`);
      throw error;
    }
  }

  /** A watch: yields events until the server ends the stream or `signal` aborts. */
  async *watch(
    path: string,
    query: Record<string, string | undefined>,
    signal: AbortSignal,
  ): AsyncGenerator<WatchEvent> {
    const res = await this.open('GET', path, {
      query: { timeoutSeconds: watchTimeoutSeconds(), ...query, watch: '1', allowWatchBookmarks: 'true' },
      signal,
    });
    if ((res.statusCode ?? 0) >= 300) {
      res.resume();
      throw new KubeApiError(res.statusCode ?? 0, 'WatchFailed', `watch ${path}: ${res.statusCode}`);
    }
    // Decoded as a stream, so a character split across two chunks stays whole.
    res.setEncoding('utf8');
    const idleMs = this.limits.watchIdleMs ?? 60_000;
    let idle = false;
    const quiet = () => {
      idle = true;
      res.destroy();
    };
    const timer = setTimeout(quiet, idleMs);
    let buffer = '';
    try {
      for await (const chunk of res) {
        timer.refresh();
        buffer += chunk as string;
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) yield JSON.parse(line) as WatchEvent;
        }
      }
    } catch (error) {
      if (idle)
        throw new KubeApiError(0, 'WatchIdle', `watch ${path}: nothing for ${idleMs} ms; the server went silent`);
      throw error;
    } finally {
      clearTimeout(timer);
      res.destroy();
    }
    if (idle) throw new KubeApiError(0, 'WatchIdle', `watch ${path}: nothing for ${idleMs} ms; the server went silent`);
  }

  close(): void {
    this.pool.close();
    this.agent.destroy();
  }
}

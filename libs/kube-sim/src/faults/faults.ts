// The faults step of a request (settings.ts): run before the request is handled, it waits out the
// write or list latency, answers 429 or a server error instead of handling the request, or arranges
// for the answer's connection to be reset half-way through its body. Which requests get a fault is
// deterministic: a fraction f of a verb's requests is its first one and then every (1/f)-th, so
// tests and benchmarks see the same sequence on every run.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { statusBody } from '../errors.js';
import type { PagingRules } from '../paging.js';
import { checkFaults, type FaultSettings, rateFor, type Rate, type Verb, WRITE_VERBS } from './settings.js';

/** The verb of a request, as the API server's request info names it (`apply` for apply patches). */
export function verbOf(req: IncomingMessage, resource: { name?: string } | undefined, watch: boolean): Verb {
  if (!resource) return 'discovery';
  const method = req.method ?? 'GET';
  const named = !!resource.name;
  if (method === 'GET') return named ? 'get' : watch ? 'watch' : 'list';
  if (method === 'POST') return 'create';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH')
    return String(req.headers['content-type'] ?? '').startsWith('application/apply-patch') ? 'apply' : 'patch';
  if (method === 'DELETE') return named ? 'delete' : 'deletecollection';
  return 'get';
}

const SERVER_ERRORS = {
  500: ['InternalError', 'Internal error occurred: etcdserver: request timed out'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: [
    'Timeout',
    'the server was unable to return a response in the time allotted, but may still be processing the request',
  ],
} as const;

/** The UIDs a real server puts in X-Kubernetes-PF-* headers: fixed per server, random here. */
const FLOW_SCHEMA_UID = randomUUID();
const PRIORITY_LEVEL_UID = randomUUID();

/** Continue tokens live this long by default: etcd's compaction interval on a real API server. */
export const DEFAULT_CONTINUE_TTL_MS = 300_000;

export class Faults implements PagingRules {
  private settings: FaultSettings = {};
  /** Tokens for a resourceVersion below this were compacted away (compact()). */
  private compactedBelow = 0;
  /** Per fault and verb: the running sum of its fraction; a fault is due each time it passes 1. */
  private readonly due = new Map<string, number>();
  /** Faults injected so far, by kind (`throttle`, `serverError`, `reset`, `expiredContinue`) and verb. */
  readonly injected: Record<string, number> = {};

  constructor(settings: FaultSettings = {}) {
    this.set(settings);
  }

  /** Replaces the settings (checked); the deterministic sequences start over. */
  set(settings: FaultSettings): void {
    this.settings = checkFaults({ ...settings });
    this.due.clear();
  }

  get current(): Readonly<FaultSettings> {
    return this.settings;
  }

  private hit(kind: string, rate: Rate | number | undefined, verb: Verb): boolean {
    const f = typeof rate === 'number' ? rate : rateFor(rate, verb);
    if (f <= 0) return false;
    const key = `${kind}/${verb}`;
    // The first request of a verb is hit, then every (1/f)-th: a test sees its fault at once.
    const sum = (this.due.get(key) ?? 1 - f) + f;
    const fire = sum >= 1 - 1e-9;
    this.due.set(key, fire ? sum - 1 : sum);
    if (fire) this.injected[key] = (this.injected[key] ?? 0) + 1;
    return fire;
  }

  /** Continue tokens issued before now (for resourceVersions below `rv`) expire, as after an etcd compaction. */
  compacted(rv: number): void {
    this.compactedBelow = rv;
  }

  /** PagingRules: compacted away, older than the TTL, or picked by `expireContinue`. */
  expired(rv: number, issuedAt: number): boolean {
    const ttl = this.settings.continueTtlMs ?? DEFAULT_CONTINUE_TTL_MS;
    const old = rv < this.compactedBelow || Date.now() - issuedAt > ttl;
    return this.hit('expiredContinue', this.settings.expireContinue, 'list') || old;
  }

  /**
   * Runs before the request is handled. Returns true when the request was answered here (429 or
   * a server error); otherwise the handler runs, after the latency, with the reset armed.
   */
  async intercept(req: IncomingMessage, res: ServerResponse, verb: Verb): Promise<boolean> {
    const s = this.settings;
    if (this.hit('throttle', s.throttle, verb)) {
      throttle(res, s.retryAfterSeconds ?? 1, s.throttleBody ?? 'text');
      req.resume();
      return true;
    }
    if (this.hit('serverError', s.serverErrors, verb)) {
      const code = s.serverErrorCode ?? 500;
      const [reason, message] = SERVER_ERRORS[code];
      const body = JSON.stringify(
        statusBody(code, reason, message, code === 500 ? { causes: [{ message: message.split(': ').pop() }] } : {}),
      );
      res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      req.resume();
      return true;
    }
    const latency = WRITE_VERBS.has(verb) ? s.writeLatencyMs : verb === 'list' ? s.listLatencyMs : undefined;
    if (latency) await new Promise((resolve) => setTimeout(resolve, latency));
    if (this.hit('reset', s.resets, verb)) resetMidBody(res);
    return false;
  }
}

/** What API Priority and Fairness answers when it rejects a request (filters/priority-and-fairness.go). */
function throttle(res: ServerResponse, retryAfter: number, shape: 'text' | 'status'): void {
  const body =
    shape === 'text'
      ? 'Too many requests, please try again later.\n'
      : JSON.stringify(
          statusBody(429, 'TooManyRequests', 'Too many requests, please try again later.', {
            retryAfterSeconds: retryAfter,
          }),
        );
  res.writeHead(429, {
    'Content-Type': shape === 'text' ? 'text/plain; charset=utf-8' : 'application/json',
    'X-Content-Type-Options': 'nosniff',
    'Retry-After': String(retryAfter),
    'X-Kubernetes-Pf-Flowschema-Uid': FLOW_SCHEMA_UID,
    'X-Kubernetes-Pf-Prioritylevel-Uid': PRIORITY_LEVEL_UID,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * The answer's head and the first half of its first body chunk go out, then the connection is
 * reset (RST): a load balancer or a server process that died mid-answer. A watch is cut in its
 * first event.
 */
function resetMidBody(res: ServerResponse): void {
  const write = res.write.bind(res);
  let done = false;
  const reset = (chunk: unknown) => {
    if (done) return;
    done = true;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.alloc(0);
    const socket = res.socket;
    write(buf.subarray(0, Math.floor(buf.length / 2)), () => socket?.resetAndDestroy());
  };
  res.write = ((chunk: unknown) => (reset(chunk), true)) as typeof res.write;
  res.end = ((chunk?: unknown) => (reset(typeof chunk === 'function' ? undefined : chunk), res)) as typeof res.end;
}

// Watch streams: newline-delimited {"type","object"} events from a resourceVersion (or the
// current state as ADDED events), filtered by namespace and selectors, with bookmarks when
// asked and an ERROR 410 event when the history is gone. A watcher ends when its
// connection closes; nothing is left behind. With a watch lag set, every event reaches each
// watcher a random 0..lagMs late (still in order, as a real watch cache that falls behind).
import type { ServerResponse } from 'node:http';
import type { Query } from './http/query.js';
import { storeKey } from './registry.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { both, type Matcher, parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { Store, StoreEvent } from './store.js';
import { armClose, errorEventLine, expiredStatus, NO_WATCH_FAULTS, type WatchFaults } from './watch-faults.js';

export interface WatchTarget {
  t: ResourceType;
  ns?: string;
}

export class Watches {
  active = 0;
  bookmarkMs = 5_000;
  /** Upper bound of the random delay (ms) added to each event a watcher receives; 0 = none. */
  lagMs = 0;
  /** Server-side closes and how 410 Gone is told (watch-faults.ts). */
  faults: WatchFaults = NO_WATCH_FAULTS;
  private closers = new Set<() => void>();
  private silencers = new Set<() => void>();

  constructor(private store: Store) {}

  /** `transform` turns each object into what is sent (a Table row for kubectl); events are then serialized per watcher. */
  serve(target: WatchTarget, q: Query, res: ServerResponse, transform?: (obj: any) => unknown): void {
    const { t, ns } = target;
    const key = storeKey(t);
    const match: Matcher =
      both(parseLabelSelector(q.labelSelector), parseFieldSelector(q.fieldSelector)) ?? (() => true);
    const inScope = (o: any) => ns === undefined || o.metadata.namespace === ns;
    let backlog: StoreEvent[] | undefined = [];
    const rv = q.resourceVersion;
    const fromNow = rv === undefined || rv === '' || rv === '0';
    if (!fromNow) {
      const n = Number(rv);
      backlog = Number.isFinite(n) ? this.store.since(n) : undefined;
    }
    const gone = backlog ? undefined : expiredStatus(`too old resource version: ${rv} (${this.store.compactedRv})`);
    if (gone && this.faults.goneAs === 'status') {
      const body = JSON.stringify(gone);
      res.writeHead(410, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    if (!backlog) {
      res.end(errorEventLine(gone!));
      return;
    }
    const lagged = laggedWriter(res, () => this.lagMs);
    let silenced = false;
    const out = { write: (line: string) => void (silenced || lagged.write(line)), cancel: () => lagged.cancel() };
    const send = (type: string, obj: any) =>
      out.write(`${JSON.stringify({ type, object: transform ? transform(obj) : obj })}\n`);
    const onEvent = (e: StoreEvent) => {
      if (e.resource !== key || !inScope(e.obj)) return;
      const now = e.type !== 'DELETED' && match(e.obj);
      const before = e.type === 'MODIFIED' && match(e.old);
      let type: string | undefined;
      if (e.type === 'DELETED') type = match(e.obj) ? 'DELETED' : undefined;
      else if (now) type = before || e.type === 'ADDED' ? e.type : 'ADDED';
      else if (before) type = 'DELETED';
      if (!type) return;
      if (type === e.type && !transform) out.write((e.line ??= `${JSON.stringify({ type: e.type, object: e.obj })}\n`));
      else send(type, e.obj);
    };
    if (fromNow || q.sendInitialEvents) {
      for (const o of this.store.list(key, ns)) if (match(o)) send('ADDED', o);
    }
    if (q.sendInitialEvents) this.bookmark(t, out, true);
    for (const e of backlog) onEvent(e);
    const unsubscribe = this.store.subscribe(onEvent);
    const timers: NodeJS.Timeout[] = [];
    if (q.allowWatchBookmarks) timers.push(setInterval(() => this.bookmark(t, out, false), this.bookmarkMs));
    if (q.timeoutSeconds && q.timeoutSeconds > 0) timers.push(setTimeout(() => res.end(), q.timeoutSeconds * 1000));
    const serverClose = armClose(this.faults, {
      bookmarks: q.allowWatchBookmarks,
      bookmark: () => this.bookmark(t, out, false),
      write: (line) => out.write(line),
      end: () => res.end(),
    });
    if (serverClose) timers.push(serverClose);
    this.active++;
    const close = () => {
      if (!this.closers.delete(close)) return;
      this.active--;
      unsubscribe();
      out.cancel();
      for (const tm of timers) clearTimeout(tm);
      if (!res.writableEnded) res.end();
    };
    const silence = () => {
      silenced = true;
      lagged.cancel();
      for (const tm of timers) clearTimeout(tm);
    };
    this.closers.add(close);
    this.silencers.add(silence);
    res.on('close', () => {
      this.silencers.delete(silence);
      close();
    });
  }

  /** Every open watch goes silent for good, without closing: what a black-holed connection looks like. */
  silenceAll(): void {
    for (const s of this.silencers) s();
  }

  private bookmark(t: ResourceType, res: { write(line: string): unknown }, initialEnd: boolean): void {
    const metadata: Record<string, unknown> = { resourceVersion: String(this.store.rv) };
    if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    res.write(
      `${JSON.stringify({ type: 'BOOKMARK', object: { kind: t.kind, apiVersion: apiVersionOf(t), metadata } })}\n`,
    );
  }

  /** Ends every open watch (server shutdown). */
  closeAll(): void {
    for (const c of [...this.closers]) c();
  }
}

/**
 * Writes lines to a watch response, each a random 0..lag() ms late when a lag is set, in order:
 * a line never overtakes the one before it (one queue, one timer for its head).
 */
function laggedWriter(res: ServerResponse, lag: () => number): { write(line: string): void; cancel(): void } {
  const queue: Array<{ at: number; line: string }> = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && queue[0]!.at <= now) {
      const { line } = queue.shift()!;
      if (!res.writableEnded) res.write(line);
    }
    if (queue.length > 0) timer = setTimeout(flush, queue[0]!.at - now);
  };
  return {
    write(line: string) {
      const max = lag();
      if (max <= 0 && queue.length === 0) {
        res.write(line);
        return;
      }
      const last = queue.length > 0 ? queue[queue.length - 1]!.at : 0;
      queue.push({ at: Math.max(last, Date.now() + Math.floor(Math.random() * (max + 1))), line });
      timer ??= setTimeout(flush, queue[0]!.at - Date.now());
    },
    cancel() {
      clearTimeout(timer);
      queue.length = 0;
    },
  };
}

/**
 * drift/: the agent's view of what it applied, kept live. One list+watch per kind, filtered by the
 * owner label, holds the current objects in memory (so a no-op resync asks the server nothing)
 * and tells a listener about every change. Lists are read a page at a time (kube/list-pages.ts). A
 * watch the server ends is resumed at once from the last resourceVersion it brought (an event's or
 * a bookmark's), so nothing between the two is missed; a watch that fails, or ends within a second
 * having brought nothing, restarts with backoff. 410 Gone (an HTTP status or an ERROR event)
 * relists, as client-go's reflector does, and the relist's differences reach the listener as
 * changes. The backoff is reset only by real events, never by an ERROR, so a server that keeps
 * answering 410 gets relists spaced out up to 5 s, not a storm.
 */
import { objectId, type KubeObject } from '@flotilla/gitops';
import type { Logger } from 'pino';
import { Backoff, sleep } from '../backoff.js';
import { Discovery, type ResourceInfo } from '../kube/discovery.js';
import { KubeApiError, type KubeClient } from '../kube/kube-client.js';
import { listAll } from '../kube/list-pages.js';

export type LiveChange = 'ADDED' | 'MODIFIED' | 'DELETED';
export type LiveListener = (id: string, live: KubeObject | undefined, change: LiveChange) => void;

interface KindWatch {
  info: ResourceInfo;
  synced: Promise<void>;
  isSynced: boolean;
}

export class LiveCache {
  private readonly objects = new Map<string, KubeObject>();
  private readonly kinds = new Map<string, KindWatch>();
  private readonly stopping = new AbortController();
  private listener: LiveListener = () => undefined;
  private changeWaiters: Array<() => void> = [];
  /** Lists made to (re)start a kind's watch: one per kind, plus one per 410 Gone. */
  relists = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly labelSelector: string,
    private readonly logger: Logger,
  ) {}

  onChange(listener: LiveListener): void {
    this.listener = listener;
  }

  /** Resolves at the next change to any object in the cache. */
  nextChange(): Promise<void> {
    return new Promise((resolve) => this.changeWaiters.push(resolve));
  }

  get(id: string): KubeObject | undefined {
    return this.objects.get(id);
  }

  get size(): number {
    return this.objects.size;
  }

  /** True once this kind's first list is in: absence from the cache then means absence from the cluster. */
  isSynced(info: ResourceInfo): boolean {
    return this.kinds.get(`${info.apiVersion}/${info.kind}`)?.isSynced ?? false;
  }

  /** Starts watching a kind (once) and resolves when its first list is in. */
  watch(info: ResourceInfo): Promise<void> {
    const key = `${info.apiVersion}/${info.kind}`;
    let kw = this.kinds.get(key);
    if (!kw) {
      let resolve!: () => void;
      const entry: KindWatch = { info, isSynced: false, synced: new Promise<void>((r) => (resolve = r)) };
      this.kinds.set(key, entry);
      void this.run(entry, () => {
        entry.isSynced = true;
        resolve();
      });
      kw = entry;
    }
    return kw.synced;
  }

  stop(): void {
    this.stopping.abort(new Error('live cache stopping'));
  }

  private put(obj: KubeObject, change: LiveChange): void {
    const id = objectId(obj);
    if (change === 'DELETED') this.objects.delete(id);
    else this.objects.set(id, obj);
    this.listener(id, change === 'DELETED' ? undefined : obj, change);
    if (this.changeWaiters.length > 0) for (const wake of this.changeWaiters.splice(0)) wake();
  }

  private async list(info: ResourceInfo): Promise<string> {
    const body = await listAll<KubeObject>(this.client, Discovery.collectionPath(info), {
      query: { labelSelector: this.labelSelector },
      signal: this.stopping.signal,
    });
    const seen = new Set<string>();
    for (const item of body.items) {
      const obj = { ...item, apiVersion: info.apiVersion, kind: info.kind };
      seen.add(objectId(obj));
      const old = this.objects.get(objectId(obj));
      if (old?.metadata['resourceVersion'] !== obj.metadata['resourceVersion'])
        this.put(obj, old ? 'MODIFIED' : 'ADDED');
    }
    for (const [id, obj] of this.objects) {
      if (obj.apiVersion === info.apiVersion && obj.kind === info.kind && !seen.has(id)) this.put(obj, 'DELETED');
    }
    return body.resourceVersion;
  }

  private async run(kw: KindWatch, onSynced: () => void): Promise<void> {
    const backoff = new Backoff({ initialMs: 100, maxMs: 5_000 });
    const signal = this.stopping.signal;
    let rv: string | undefined;
    while (!signal.aborted) {
      try {
        if (rv === undefined) {
          rv = await this.list(kw.info);
          this.relists++;
        }
        onSynced();
        const opened = Date.now();
        let events = 0;
        for await (const ev of this.client.watch(
          Discovery.collectionPath(kw.info),
          { labelSelector: this.labelSelector, resourceVersion: rv },
          signal,
        )) {
          if (ev.type === 'ERROR') {
            const code = (ev.object as { code?: number }).code;
            throw new KubeApiError(
              code ?? 500,
              'WatchError',
              String((ev.object as { message?: string }).message ?? 'watch error'),
            );
          }
          backoff.reset();
          events++;
          const obj = ev.object as unknown as KubeObject;
          rv = String(obj.metadata?.['resourceVersion'] ?? rv);
          if (ev.type !== 'BOOKMARK') this.put({ ...obj, apiVersion: kw.info.apiVersion, kind: kw.info.kind }, ev.type);
        }
        // Ended by the server: resumed at once, unless it ended at once with nothing (client-go's "very short watch").
        if (events === 0 && Date.now() - opened < 1_000) await sleep(backoff.next(), signal).catch(() => undefined);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof KubeApiError && error.status === 410) rv = undefined;
        else this.logger.debug({ err: error, kind: kw.info.kind }, 'watch: restarting');
        await sleep(backoff.next(), signal).catch(() => undefined);
      }
    }
  }
}

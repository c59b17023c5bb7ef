/**
 * A whole list, read a page at a time (`limit`/`continue`, as client-go's pager does), so a kind
 * with ten thousand objects is never one huge answer. A continue token can expire mid-list (410
 * Expired: its resourceVersion was compacted away); the list then starts over, and after
 * `maxRestarts` expiries it is read in one request without paging. The token the 410 offers to go
 * on with is not used: it makes an inconsistent list (objects changed meanwhile may be missed).
 */
import { KubeApiError, type KubeClient } from './kube-client.js';

export interface ListPage<T> {
  items?: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

export interface PagedList<T> {
  items: T[];
  /** The resourceVersion the list is consistent at (to watch from). */
  resourceVersion: string;
  /** Times the list started over after its continue token expired. */
  restarts: number;
}

export interface ListOptions {
  query?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Items per page (default: the client's listPageSize). */
  pageSize?: number;
  /** Expired lists started over before one unpaged list is read (default 2). */
  maxRestarts?: number;
}

/** Most pages one list may take: a guard against a server that never stops handing out tokens. */
const MAX_PAGES = 10_000;

export async function listAll<T>(client: KubeClient, path: string, opts: ListOptions = {}): Promise<PagedList<T>> {
  const limit = opts.pageSize ?? client.listPageSize;
  const maxRestarts = opts.maxRestarts ?? 2;
  for (let restarts = 0; ; restarts++) {
    const paged = restarts <= maxRestarts && limit > 0;
    const items: T[] = [];
    let resourceVersion = '';
    let next: string | undefined;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const { body } = await client.request<ListPage<T>>('GET', path, {
          query: { ...opts.query, ...(paged ? { limit: String(limit), continue: next } : {}) },
          signal: opts.signal,
        });
        const pageItems = body.items ?? [];
        for (const item of pageItems) items.push(item);
        if (page === 0) resourceVersion = body.metadata?.resourceVersion ?? '';
        next = paged ? body.metadata?.continue || undefined : undefined;
        if (!next) return { items, resourceVersion, restarts };
      }
      throw new Error(`GET ${path}: more than ${MAX_PAGES} pages of ${limit}; the list never ended`);
    } catch (error) {
      // Only an expired token (a later page) starts over; a 410 on the first page is the caller's.
      if (!(error instanceof KubeApiError && error.status === 410 && next !== undefined && paged)) throw error;
    }
  }
}

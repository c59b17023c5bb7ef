/**
 * health/: kstatus-like readiness of what was applied, read from the watch cache (no polling of
 * the server): waits until nothing is Progressing any more, or the timeout, and returns each
 * object's health (libs/gitops `health()`) and the aggregate (`worstOf`). It looks again when the
 * cache changes (the changes of one turn of the event loop together), and every `pollMs` besides.
 */
import { HealthStatus, health, worstOf, type Health } from '@flotilla/gitops';
import type { LiveCache } from '../drift/live-cache.js';
import type { ResourceInfo } from '../kube/discovery.js';
import { sleep } from '../backoff.js';

export interface HealthResult {
  byId: Map<string, Health>;
  status: HealthStatus;
  timedOut: boolean;
}

export class HealthChecker {
  constructor(
    private readonly live: LiveCache,
    private readonly pollMs = 100,
  ) {}

  /**
   * The object's health from the cache; for an object of a kind without status that its apply
   * just wrote (`applied`), Healthy while the kind's first list is not in yet.
   */
  private of(id: string, applied: ReadonlyMap<string, ResourceInfo> | undefined): Health {
    const live = this.live.get(id);
    const info = live ? undefined : applied?.get(id);
    if (info && !this.live.isSynced(info)) return APPLIED;
    return health(live);
  }

  private snapshot(
    ids: readonly string[],
    applied: ReadonlyMap<string, ResourceInfo> | undefined,
  ): Map<string, Health> {
    return new Map(ids.map((id) => [id, this.of(id, applied)]));
  }

  /** Waits for `ids` to be ready; `applied`: objects of kinds without status a write just answered for. */
  async wait(
    ids: readonly string[],
    timeoutMs: number,
    opts: { signal?: AbortSignal; applied?: ReadonlyMap<string, ResourceInfo> } = {},
  ): Promise<HealthResult> {
    const { signal, applied } = opts;
    const deadline = Date.now() + timeoutMs;
    let byId = this.snapshot(ids, applied);
    for (;;) {
      let pending = ids.filter((id) => isPending(byId.get(id)!));
      while (pending.length > 0 && Date.now() < deadline && !signal?.aborted) {
        const changed = this.live.nextChange().then(() => new Promise((r) => setImmediate(r)));
        await Promise.race([
          changed,
          sleep(Math.min(this.pollMs, Math.max(1, deadline - Date.now())), signal).catch(() => undefined),
        ]);
        for (const id of pending) byId.set(id, this.of(id, applied));
        pending = pending.filter((id) => isPending(byId.get(id)!));
      }
      // What was ready may have changed meanwhile: the answer is one look at everything.
      byId = this.snapshot(ids, applied);
      const stillPending = ids.some((id) => isPending(byId.get(id)!));
      if (!stillPending || Date.now() >= deadline || signal?.aborted)
        return { byId, status: worstOf(byId.values()), timedOut: stillPending };
    }
  }
}

const APPLIED: Health = { status: HealthStatus.Healthy, message: 'object exists (its apply succeeded)' };
const isPending = (h: Health) => h.status === HealthStatus.Progressing || h.status === HealthStatus.Missing;

export function summarizeHealth(r: HealthResult): string {
  const counts = new Map<string, number>();
  for (const h of r.byId.values()) counts.set(h.status, (counts.get(h.status) ?? 0) + 1);
  return `${r.status}${r.timedOut ? ' (timed out)' : ''}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`;
}

/**
 * health/: kstatus-like readiness of what was applied, read from the watch cache (no polling of
 * the server): waits until nothing is Progressing any more, or the timeout, and returns each
 * object's health (libs/gitops `health()`) and the aggregate (`worstOf`). It looks again when the
 * cache changes (the changes of one turn of the event loop together), and every `pollMs` besides.
 * An object this pass wrote is judged only once the cache shows it at or after the version the
 * write returned, observed by its controller at that generation (written-version.ts): until then
 * it is Progressing, whatever the older copy says. A timeout with such objects is `watchBehind`.
 */
import { HealthStatus, health, worstOf, type Health, type KubeObject } from '@flotilla/gitops';
import type { LiveCache } from '../drift/live-cache.js';
import type { ResourceInfo } from '../kube/discovery.js';
import { sleep } from '../backoff.js';
import { staleness, type WrittenVersion } from './written-version.js';

/** One object's health, with the generations it was judged at (kinds that keep them). */
export interface ObjectHealth extends Health {
  generation?: number;
  observedGeneration?: number;
}

export interface HealthResult {
  byId: Map<string, ObjectHealth>;
  status: HealthStatus;
  timedOut: boolean;
  /** Objects whose cached copy never caught up with this pass's write before the timeout. */
  watchBehind: string[];
}

export interface HealthWaitOptions {
  signal?: AbortSignal;
  /** Objects of kinds without status a write just answered for: existing is all their health needs. */
  applied?: ReadonlyMap<string, ResourceInfo>;
  /** What this pass's writes produced, per object id: older cached copies are not judged. */
  written?: ReadonlyMap<string, WrittenVersion>;
}

/** metadata.generation and status.observedGeneration of a live object, where it has them. */
function generationsOf(live: KubeObject | undefined): Pick<ObjectHealth, 'generation' | 'observedGeneration'> {
  const generation = live?.metadata?.['generation'];
  const observed = (live?.['status'] as { observedGeneration?: unknown } | undefined)?.observedGeneration;
  return {
    ...(Number.isSafeInteger(generation) && (generation as number) >= 0 ? { generation: generation as number } : {}),
    ...(Number.isSafeInteger(observed) && (observed as number) >= 0 ? { observedGeneration: observed as number } : {}),
  };
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
  private of(id: string, opts: HealthWaitOptions): ObjectHealth {
    const live = this.live.get(id);
    const written = opts.written?.get(id);
    const stale = written ? staleness(live, written) : undefined;
    // A kind without status is answered by its apply: the write's answer is the stored object.
    if (opts.applied?.has(id) && (stale || (!live && !this.live.isSynced(opts.applied.get(id)!)))) return APPLIED;
    if (stale)
      return { status: HealthStatus.Progressing, message: `${WATCH_BEHIND}: ${stale}`, ...generationsOf(live) };
    return { ...health(live), ...generationsOf(live) };
  }

  private snapshot(ids: readonly string[], opts: HealthWaitOptions): Map<string, ObjectHealth> {
    return new Map(ids.map((id) => [id, this.of(id, opts)]));
  }

  /** Waits for `ids` to be ready (see HealthWaitOptions). */
  async wait(ids: readonly string[], timeoutMs: number, opts: HealthWaitOptions = {}): Promise<HealthResult> {
    const { signal } = opts;
    const deadline = Date.now() + timeoutMs;
    let byId = this.snapshot(ids, opts);
    for (;;) {
      let pending = ids.filter((id) => isPending(byId.get(id)!));
      while (pending.length > 0 && Date.now() < deadline && !signal?.aborted) {
        const changed = this.live.nextChange().then(() => new Promise((r) => setImmediate(r)));
        await Promise.race([
          changed,
          sleep(Math.min(this.pollMs, Math.max(1, deadline - Date.now())), signal).catch(() => undefined),
        ]);
        for (const id of pending) byId.set(id, this.of(id, opts));
        pending = pending.filter((id) => isPending(byId.get(id)!));
      }
      // What was ready may have changed meanwhile: the answer is one look at everything.
      byId = this.snapshot(ids, opts);
      const stillPending = ids.some((id) => isPending(byId.get(id)!));
      if (!stillPending || Date.now() >= deadline || signal?.aborted) {
        const watchBehind = ids.filter((id) => byId.get(id)!.message.startsWith(WATCH_BEHIND));
        return { byId, status: worstOf(byId.values()), timedOut: stillPending, watchBehind };
      }
    }
  }
}

/** The message prefix of an object whose cached copy is older than this pass's write. */
export const WATCH_BEHIND = 'watch not caught up';
const APPLIED: Health = { status: HealthStatus.Healthy, message: 'object exists (its apply succeeded)' };
const isPending = (h: Health) => h.status === HealthStatus.Progressing || h.status === HealthStatus.Missing;

export function summarizeHealth(r: HealthResult): string {
  const counts = new Map<string, number>();
  for (const h of r.byId.values()) counts.set(h.status, (counts.get(h.status) ?? 0) + 1);
  return `${r.status}${r.timedOut ? ' (timed out)' : ''}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`;
}

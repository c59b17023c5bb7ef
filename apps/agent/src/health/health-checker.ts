/**
 * health/: kstatus-like readiness of what was applied, read from the watch cache (no polling of
 * the server): waits until nothing is Progressing any more, or the timeout, and returns each
 * object's health (libs/gitops `health()`) and the aggregate (`worstOf`).
 */
import { HealthStatus, health, worstOf, type Health } from '@flotilla/gitops';
import type { LiveCache } from '../drift/live-cache.js';
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

  private snapshot(ids: readonly string[]): Map<string, Health> {
    return new Map(ids.map((id) => [id, health(this.live.get(id))]));
  }

  async wait(ids: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<HealthResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const byId = this.snapshot(ids);
      const pending = [...byId.values()].some((h) => h.status === HealthStatus.Progressing || h.status === HealthStatus.Missing);
      if (!pending || Date.now() >= deadline || signal?.aborted) return { byId, status: worstOf(byId.values()), timedOut: pending };
      await sleep(Math.min(this.pollMs, Math.max(1, deadline - Date.now())), signal).catch(() => undefined);
    }
  }
}

export function summarizeHealth(r: HealthResult): string {
  const counts = new Map<string, number>();
  for (const h of r.byId.values()) counts.set(h.status, (counts.get(h.status) ?? 0) + 1);
  return `${r.status}${r.timedOut ? ' (timed out)' : ''}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`;
}

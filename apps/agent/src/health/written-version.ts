/**
 * What this pass's write of an object produced (the resourceVersion and generation its apply
 * answered with), and whether a live object already reflects it. Health is judged only on an
 * object seen at or after that version whose controller observed at least that generation
 * (kstatus); anything older is the state from before the write, however healthy it looks.
 */
import type { KubeObject } from '@flotilla/gitops';

export interface WrittenVersion {
  resourceVersion: string;
  /** metadata.generation the write produced (kinds that keep one). */
  generation?: number;
}

/** The version and generation an apply's answer carries, if it names a resourceVersion. */
export function writtenVersionOf(answer: KubeObject | undefined): WrittenVersion | undefined {
  const rv = answer?.metadata?.['resourceVersion'];
  if (typeof rv !== 'string' || rv === '') return undefined;
  const generation = answer?.metadata?.['generation'];
  return typeof generation === 'number' ? { resourceVersion: rv, generation } : { resourceVersion: rv };
}

/**
 * True when `seen` is at or after `written`. Kubernetes resourceVersions are opaque strings, but
 * every etcd-backed server (and kube-sim) issues growing integers: those are compared as numbers;
 * any other form only matches itself.
 */
export function isAtOrAfter(seen: string, written: string): boolean {
  if (/^\d{1,30}$/.test(seen) && /^\d{1,30}$/.test(written)) return BigInt(seen) >= BigInt(written);
  return seen === written;
}

/** Why `live` does not yet reflect the write (undefined when it does). */
export function staleness(live: KubeObject | undefined, written: WrittenVersion): string | undefined {
  if (!live) return `not in the watch cache yet (this pass wrote resourceVersion ${written.resourceVersion})`;
  const rv = live.metadata?.['resourceVersion'];
  if (typeof rv !== 'string' || !isAtOrAfter(rv, written.resourceVersion))
    return `watch cache at resourceVersion ${String(rv)}, behind ${written.resourceVersion} that this pass wrote`;
  if (written.generation !== undefined) {
    const status = live['status'] as { observedGeneration?: unknown } | undefined;
    const observed = status?.observedGeneration;
    if (typeof observed === 'number' && observed < written.generation)
      return `controller observed generation ${observed}, not yet ${written.generation} that this pass wrote`;
  }
  return undefined;
}

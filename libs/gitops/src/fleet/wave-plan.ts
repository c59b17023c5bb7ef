/**
 * Wave planning: the affected clusters ordered into the policy's waves. Each cluster lands in the
 * first selector wave it matches; the `rest` wave takes every cluster no selector wave took.
 * Clusters within a wave are ordered by name and cut into batches of maxParallel.
 */
import type { FleetPolicy, MaxParallel, WavePolicy } from './fleet-policy.js';
import { matchesSelector } from './tag-selector.js';

export interface PlanCluster {
  id: string;
  name: string;
  tags: readonly string[];
}

export interface PlannedWave {
  name: string;
  /** Position in the policy (waves without clusters are left out of the plan). */
  index: number;
  clusterIds: string[];
  /** clusterIds cut into consecutive batches of at most maxParallel. */
  batches: string[][];
  healthTimeoutMs: number;
  soakMs: number;
}

export interface WavePlan {
  waves: PlannedWave[];
  /** Affected clusters no wave selects (a policy without `rest`): they stay where they are. */
  unassigned: string[];
}

export function batchSize(maxParallel: MaxParallel, clusters: number): number {
  if ('count' in maxParallel) return maxParallel.count;
  return Math.max(1, Math.ceil((clusters * maxParallel.percent) / 100));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function waveFor(cluster: PlanCluster, waves: readonly WavePolicy[]): number {
  const matched = waves.findIndex(
    (w) => !w.rest && w.selector !== undefined && matchesSelector(cluster.tags, w.selector),
  );
  return matched >= 0 ? matched : waves.findIndex((w) => w.rest);
}

export function planWaves(policy: Pick<FleetPolicy, 'waves'>, clusters: readonly PlanCluster[]): WavePlan {
  const members = policy.waves.map((): PlanCluster[] => []);
  const unassigned: string[] = [];
  const byName = [...clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
  for (const cluster of byName) {
    const index = waveFor(cluster, policy.waves);
    if (index >= 0) members[index]?.push(cluster);
    else unassigned.push(cluster.id);
  }
  const waves: PlannedWave[] = [];
  policy.waves.forEach((w, index) => {
    const ids = (members[index] ?? []).map((c) => c.id);
    if (ids.length === 0) return;
    waves.push({
      name: w.name,
      index,
      clusterIds: ids,
      batches: chunk(ids, batchSize(w.maxParallel, ids.length)),
      healthTimeoutMs: w.healthTimeoutMs,
      soakMs: w.soakMs,
    });
  });
  return { waves, unassigned };
}

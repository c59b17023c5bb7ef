/**
 * The state of one rollout as plain data (times in epoch milliseconds), what the rollout machine
 * reads and returns. The control plane stores it in PostgreSQL; nothing here does I/O.
 */
import type { OnFailure } from './fleet-policy.js';
import type { WavePlan } from './wave-plan.js';

export const RolloutPhase = {
  Running: 'Running',
  Paused: 'Paused',
  RollingBack: 'RollingBack',
  Succeeded: 'Succeeded',
  RolledBack: 'RolledBack',
  Aborted: 'Aborted',
  Superseded: 'Superseded',
} as const;
export type RolloutPhase = (typeof RolloutPhase)[keyof typeof RolloutPhase];

/** Phases after which the machine does nothing more. */
export const FINAL_PHASES: readonly RolloutPhase[] = [
  RolloutPhase.Succeeded,
  RolloutPhase.RolledBack,
  RolloutPhase.Aborted,
  RolloutPhase.Superseded,
];

export const WavePhase = {
  Pending: 'Pending',
  Progressing: 'Progressing',
  Soaking: 'Soaking',
  Passed: 'Passed',
  Failed: 'Failed',
} as const;
export type WavePhase = (typeof WavePhase)[keyof typeof WavePhase];

export const ClusterPhase = {
  Pending: 'Pending',
  Updating: 'Updating',
  /** Its path does not exist at the revision yet: it holds nothing and has not failed. */
  Waiting: 'Waiting',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
} as const;
export type ClusterPhase = (typeof ClusterPhase)[keyof typeof ClusterPhase];

export interface RolloutClusterState {
  id: string;
  /** The cluster's name, as last observed (reasons name it). */
  name?: string;
  /** Index of the wave batch the cluster belongs to. */
  batch: number;
  phase: ClusterPhase;
  /** True while the cluster is offline (it holds its wave). */
  offline: boolean;
  pinnedAt?: number;
  /** When the health timeout fails it (pushed back while the cluster is offline). */
  deadlineAt?: number;
  succeededAt?: number;
  failedAt?: number;
  reason?: string;
  /** The last retryable error seen while updating (it holds the wave until the health timeout). */
  lastError?: string;
  /** Rollback progress of a cluster that received the rollout's revision. */
  rollback?: { phase: ClusterPhase; pinnedAt: number; deadlineAt: number; finishedAt?: number; reason?: string };
}

export interface RolloutWaveState {
  name: string;
  phase: WavePhase;
  healthTimeoutMs: number;
  soakMs: number;
  batchCount: number;
  currentBatch: number;
  startedAt?: number;
  /** When every cluster of the wave was last seen Synced + Healthy (start of the soak). */
  healthyAt?: number;
  finishedAt?: number;
  clusters: RolloutClusterState[];
}

export interface RolloutState {
  id: string;
  revision: string;
  phase: RolloutPhase;
  onFailure: OnFailure;
  waves: RolloutWaveState[];
  createdAt: number;
  finishedAt?: number;
  /** Why the rollout paused, failed, was aborted or rolled back. */
  reason?: string;
  /** Clusters whose failure triggered the rollback. */
  failedClusterIds?: string[];
  /** The revert commit, once the control plane made it. */
  rollbackRevision?: string;
  /**
   * The revision the affected clusters ran when the rollout began (when they all ran the same
   * one): a rollback reverts everything between it and `revision`, not only the last commit.
   */
  baseRevision?: string;
}

export function createRolloutState(args: {
  id: string;
  revision: string;
  onFailure: OnFailure;
  plan: WavePlan;
  now: number;
}): RolloutState {
  return {
    id: args.id,
    revision: args.revision,
    phase: RolloutPhase.Running,
    onFailure: args.onFailure,
    createdAt: args.now,
    waves: args.plan.waves.map((w) => ({
      name: w.name,
      phase: WavePhase.Pending,
      healthTimeoutMs: w.healthTimeoutMs,
      soakMs: w.soakMs,
      batchCount: w.batches.length,
      currentBatch: 0,
      clusters: w.batches.flatMap((ids, batch) =>
        ids.map((id) => ({ id, batch, phase: ClusterPhase.Pending, offline: false })),
      ),
    })),
  };
}

/** Every cluster the rollout pinned to its revision (they received it). */
export function pinnedClusters(state: RolloutState): RolloutClusterState[] {
  return state.waves.flatMap((w) => w.clusters.filter((c) => c.pinnedAt !== undefined));
}

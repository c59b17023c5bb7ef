/**
 * Operator and engine commands on a rollout, pure like the machine: each returns the next state
 * or throws RolloutTransitionError naming the phase that forbids it.
 */
import {
  ClusterPhase,
  FINAL_PHASES,
  RolloutPhase,
  type RolloutState,
  WavePhase,
  pinnedClusters,
} from './rollout-state.js';

export class RolloutTransitionError extends Error {
  override readonly name = 'RolloutTransitionError';
  readonly code = 'INVALID_ROLLOUT_TRANSITION';
  constructor(
    readonly command: string,
    readonly phase: RolloutPhase,
  ) {
    super(`cannot ${command} a rollout that is ${phase}`);
  }
}

function require(state: RolloutState, command: string, allowed: readonly RolloutPhase[]): RolloutState {
  if (!allowed.includes(state.phase)) throw new RolloutTransitionError(command, state.phase);
  return structuredClone(state);
}

export function pauseRollout(state: RolloutState, reason: string): RolloutState {
  return {
    ...require(state, 'pause', [RolloutPhase.Running, RolloutPhase.RollingBack]),
    phase: RolloutPhase.Paused,
    reason,
  };
}

/**
 * Resumes a paused rollout. A failed wave is retried: its failed clusters go back to Updating
 * (still pinned) and every updating cluster gets a fresh health timeout; a paused rollback resumes
 * the rollback the same way.
 */
export function resumeRollout(state: RolloutState, now: number): RolloutState {
  const next = require(state, 'resume', [RolloutPhase.Paused]);
  next.reason = undefined;
  if (
    next.rollbackRevision !== undefined ||
    (next.failedClusterIds && next.onFailure === 'rollback' && next.waves.some((w) => w.phase === WavePhase.Failed))
  ) {
    next.phase = RolloutPhase.RollingBack;
    const timeout = Math.max(...next.waves.map((w) => w.healthTimeoutMs));
    for (const c of pinnedClusters(next)) {
      if (c.rollback && c.rollback.phase !== ClusterPhase.Succeeded)
        c.rollback = { phase: ClusterPhase.Updating, pinnedAt: c.rollback.pinnedAt, deadlineAt: now + timeout };
    }
    return next;
  }
  next.phase = RolloutPhase.Running;
  for (const wave of next.waves) {
    if (wave.phase === WavePhase.Failed) Object.assign(wave, { phase: WavePhase.Progressing, finishedAt: undefined });
    for (const c of wave.clusters) {
      if (c.phase === ClusterPhase.Failed)
        Object.assign(c, { phase: ClusterPhase.Updating, failedAt: undefined, reason: undefined });
      if (c.phase === ClusterPhase.Updating) c.deadlineAt = now + wave.healthTimeoutMs;
    }
  }
  next.failedClusterIds = undefined;
  return next;
}

/** Stops the rollout where it is: pinned clusters stay on its revision (it still owns them), pending ones never get it. */
export function abortRollout(state: RolloutState, reason: string, now: number): RolloutState {
  return {
    ...require(state, 'abort', [RolloutPhase.Running, RolloutPhase.Paused, RolloutPhase.RollingBack]),
    phase: RolloutPhase.Aborted,
    reason,
    finishedAt: now,
  };
}

/** Asks for a rollback (operator or policy); the engine then makes the revert commit and calls setRollbackRevision. */
export function requestRollback(state: RolloutState, reason: string): RolloutState {
  const next = require(state, 'roll back', [RolloutPhase.Running, RolloutPhase.Paused, RolloutPhase.Succeeded]);
  if (next.rollbackRevision !== undefined) throw new RolloutTransitionError('roll back again', state.phase);
  return { ...next, phase: RolloutPhase.RollingBack, reason, finishedAt: undefined };
}

export function setRollbackRevision(state: RolloutState, revision: string): RolloutState {
  return { ...require(state, 'record the revert commit of', [RolloutPhase.RollingBack]), rollbackRevision: revision };
}

/**
 * Supersede rule: a newer commit on the tracked branch supersedes a Running or Paused rollout.
 * The new rollout compares every cluster against the revision it is pinned to now, so clusters
 * the old rollout pinned are either re-pinned by the new rollout or moved to the new revision:
 * none stays on a revision no rollout owns. A RollingBack rollout is never superseded: the
 * revert finishes first and the newer commit's rollout starts after it.
 */
export function supersedeRollout(state: RolloutState, byRevision: string, now: number): RolloutState {
  const next = require(state, 'supersede', [RolloutPhase.Running, RolloutPhase.Paused]);
  return { ...next, phase: RolloutPhase.Superseded, reason: `superseded by ${byRevision}`, finishedAt: now };
}

export function isFinal(state: Pick<RolloutState, 'phase'>): boolean {
  return FINAL_PHASES.includes(state.phase);
}

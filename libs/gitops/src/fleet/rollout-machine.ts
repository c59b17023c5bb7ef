/**
 * The rollout state machine, a pure function: (rollout, each cluster's latest report and
 * online state, now) → the next state and the actions the engine must carry out (pin clusters,
 * request the revert commit) or record (wave started/passed/failed, paused, done).
 *
 * Rules. One wave at a time, in order; within a wave one batch (maxParallel) at a time. A wave
 * passes when every cluster reports Synced + Healthy at the rollout's revision and has stayed so
 * for the soak time (any cluster falling out of Healthy restarts the soak). It fails when a
 * cluster's sync fails for real (render refused, apply rejected), its health is Degraded, or its
 * health timeout passes; a retryable failure (source unavailable, API 429/5xx, watch behind) holds
 * the wave while the agent retries, and the timeout names the last one. A cluster whose path does
 * not exist yet is Waiting: it neither holds the wave nor fails it. An offline cluster holds the
 * wave: its timeout is pushed back while it is offline. Reasons name the cluster, stage and error. On failure the rollout pauses
 * or asks for a rollback (onFailure); the rollback pins every cluster that received the revision
 * to the revert commit and ends RolledBack once they are all Synced + Healthy there.
 */
import { type ClusterObservation, type Verdict, verdictAt } from './cluster-verdict.js';
import {
  ClusterPhase,
  RolloutPhase,
  type RolloutState,
  type RolloutClusterState,
  type RolloutWaveState,
  WavePhase,
  pinnedClusters,
} from './rollout-state.js';

export type RolloutAction =
  | { type: 'pin'; clusterIds: string[]; revision: string }
  | { type: 'waveStarted'; wave: string }
  | { type: 'wavePassed'; wave: string }
  | { type: 'waveFailed'; wave: string; clusterIds: string[]; reason: string }
  | { type: 'paused'; reason: string }
  | { type: 'rollbackRequested'; clusterIds: string[]; reason: string }
  | { type: 'succeeded' }
  | { type: 'rolledBack'; revision: string };

export interface Step {
  state: RolloutState;
  actions: RolloutAction[];
}

export type Observe = (clusterId: string) => ClusterObservation | undefined;

function pinBatch(wave: RolloutWaveState, revision: string, now: number, actions: RolloutAction[]): void {
  const batch = wave.clusters.filter((c) => c.batch === wave.currentBatch && c.phase === ClusterPhase.Pending);
  for (const c of batch) {
    c.phase = ClusterPhase.Updating;
    c.pinnedAt = now;
    c.deadlineAt = now + wave.healthTimeoutMs;
  }
  if (batch.length) actions.push({ type: 'pin', clusterIds: batch.map((c) => c.id), revision });
}

const label = (c: RolloutClusterState) => c.name ?? c.id;

/** The health-timeout reason, naming the last retryable error when there was one. */
function timeoutReason(revision: string, timeoutMs: number, lastError: string | undefined): string {
  const base = `health timeout: not Synced + Healthy at ${revision.slice(0, 12)} within ${timeoutMs / 1000}s`;
  return lastError ? `${base}; last error: ${lastError}` : base;
}

/** Updates one updating (or waiting) cluster from its verdict. */
function observeCluster(c: RolloutClusterState, v: Verdict, wave: RolloutWaveState, revision: string, now: number) {
  if (v.kind === 'failed')
    return void Object.assign(c, { phase: ClusterPhase.Failed, failedAt: now, reason: v.reason });
  if (v.kind === 'healthy')
    return void Object.assign(c, { phase: ClusterPhase.Succeeded, succeededAt: now, reason: undefined });
  if (v.kind === 'waiting') return void Object.assign(c, { phase: ClusterPhase.Waiting, reason: v.reason });
  if (c.phase === ClusterPhase.Waiting) Object.assign(c, { phase: ClusterPhase.Updating, reason: undefined });
  if (c.phase !== ClusterPhase.Updating) return;
  if (v.kind === 'retrying') c.lastError = v.reason;
  if (c.offline) c.deadlineAt = Math.max(c.deadlineAt ?? 0, now + wave.healthTimeoutMs);
  else if (now >= (c.deadlineAt ?? now))
    Object.assign(c, {
      phase: ClusterPhase.Failed,
      failedAt: now,
      reason: timeoutReason(revision, wave.healthTimeoutMs, c.lastError),
    });
}

/** Updates each pinned cluster of the wave; true when all of them are Synced + Healthy (or Waiting) right now. */
function observeWave(wave: RolloutWaveState, revision: string, observe: Observe, now: number): boolean {
  let allHealthy = true;
  for (const c of wave.clusters) {
    if (c.phase === ClusterPhase.Pending || c.phase === ClusterPhase.Failed) {
      allHealthy &&= c.phase !== ClusterPhase.Pending;
      continue;
    }
    const obs = observe(c.id);
    c.offline = !(obs?.online ?? false);
    if (obs?.name) c.name = obs.name;
    const v = verdictAt(revision, obs, c.pinnedAt);
    if (c.phase !== ClusterPhase.Succeeded || v.kind !== 'pending') observeCluster(c, v, wave, revision, now);
    if (v.kind !== 'healthy' && v.kind !== 'waiting') allHealthy = false;
  }
  return allHealthy;
}

function failWave(state: RolloutState, wave: RolloutWaveState, now: number, actions: RolloutAction[]): void {
  const failed = wave.clusters.filter((c) => c.phase === ClusterPhase.Failed);
  const reason = `wave ${wave.name} failed: ${failed.map((c) => `${label(c)} (${c.reason})`).join(', ')}`;
  wave.phase = WavePhase.Failed;
  wave.finishedAt = now;
  actions.push({ type: 'waveFailed', wave: wave.name, clusterIds: failed.map((c) => c.id), reason });
  state.reason = reason;
  state.failedClusterIds = failed.map((c) => c.id);
  if (state.onFailure === 'rollback') {
    state.phase = RolloutPhase.RollingBack;
    actions.push({ type: 'rollbackRequested', clusterIds: state.failedClusterIds, reason });
  } else {
    state.phase = RolloutPhase.Paused;
    actions.push({ type: 'paused', reason });
  }
}

function runWaves(state: RolloutState, observe: Observe, now: number, actions: RolloutAction[]): void {
  for (;;) {
    const wave = state.waves.find((w) => w.phase !== WavePhase.Passed);
    if (!wave) {
      Object.assign(state, { phase: RolloutPhase.Succeeded, finishedAt: now });
      actions.push({ type: 'succeeded' });
      return;
    }
    if (wave.phase === WavePhase.Pending) {
      Object.assign(wave, { phase: WavePhase.Progressing, startedAt: now });
      actions.push({ type: 'waveStarted', wave: wave.name });
      pinBatch(wave, state.revision, now, actions);
    }
    const allHealthy = observeWave(wave, state.revision, observe, now);
    if (wave.clusters.some((c) => c.phase === ClusterPhase.Failed)) return failWave(state, wave, now, actions);
    const batchDone = wave.clusters.every(
      (c) => c.batch !== wave.currentBatch || c.phase === ClusterPhase.Succeeded || c.phase === ClusterPhase.Waiting,
    );
    if (batchDone && wave.currentBatch + 1 < wave.batchCount) {
      wave.currentBatch += 1;
      return pinBatch(wave, state.revision, now, actions);
    }
    if (!allHealthy) {
      if (wave.phase === WavePhase.Soaking) Object.assign(wave, { phase: WavePhase.Progressing, healthyAt: undefined });
      return;
    }
    if (wave.phase !== WavePhase.Soaking) Object.assign(wave, { phase: WavePhase.Soaking, healthyAt: now });
    if (now - (wave.healthyAt ?? now) < wave.soakMs) return;
    Object.assign(wave, { phase: WavePhase.Passed, finishedAt: now });
    actions.push({ type: 'wavePassed', wave: wave.name });
  }
}

function runRollback(state: RolloutState, observe: Observe, now: number, actions: RolloutAction[]): void {
  const revision = state.rollbackRevision;
  if (!revision) return; // the engine is making the revert commit
  const timeout = Math.max(...state.waves.map((w) => w.healthTimeoutMs));
  const targets = pinnedClusters(state);
  const toPin = targets.filter((c) => !c.rollback);
  for (const c of toPin) c.rollback = { phase: ClusterPhase.Updating, pinnedAt: now, deadlineAt: now + timeout };
  if (toPin.length) actions.push({ type: 'pin', clusterIds: toPin.map((c) => c.id), revision });
  for (const c of targets) {
    const rb = c.rollback;
    if (!rb || rb.phase !== ClusterPhase.Updating) continue;
    const obs = observe(c.id);
    c.offline = !(obs?.online ?? false);
    if (obs?.name) c.name = obs.name;
    const v = verdictAt(revision, obs, rb.pinnedAt);
    // A cluster whose path is gone at the revert has nothing of the bad revision left to run.
    if (v.kind === 'healthy' || v.kind === 'waiting')
      Object.assign(rb, { phase: ClusterPhase.Succeeded, finishedAt: now });
    else if (v.kind === 'failed') Object.assign(rb, { phase: ClusterPhase.Failed, finishedAt: now, reason: v.reason });
    else if (c.offline) rb.deadlineAt = Math.max(rb.deadlineAt, now + timeout);
    else if (now >= rb.deadlineAt)
      Object.assign(rb, {
        phase: ClusterPhase.Failed,
        finishedAt: now,
        reason: `health timeout at revert ${revision.slice(0, 12)}${v.kind === 'retrying' ? `; last error: ${v.reason}` : ''}`,
      });
  }
  const failed = targets.filter((c) => c.rollback?.phase === ClusterPhase.Failed);
  if (failed.length) {
    const reason = `rollback to ${revision.slice(0, 12)} failed: ${failed.map((c) => `${label(c)} (${c.rollback?.reason})`).join(', ')}`;
    Object.assign(state, { phase: RolloutPhase.Paused, reason });
    actions.push({ type: 'paused', reason });
  } else if (targets.every((c) => c.rollback?.phase === ClusterPhase.Succeeded)) {
    Object.assign(state, { phase: RolloutPhase.RolledBack, finishedAt: now });
    actions.push({ type: 'rolledBack', revision });
  }
}

/** One step of the machine. Paused and final rollouts return unchanged with no actions. */
export function advanceRollout(current: RolloutState, observe: Observe, now: number): Step {
  const state = structuredClone(current);
  const actions: RolloutAction[] = [];
  if (state.phase === RolloutPhase.Running) runWaves(state, observe, now, actions);
  else if (state.phase === RolloutPhase.RollingBack) runRollback(state, observe, now, actions);
  return { state, actions };
}

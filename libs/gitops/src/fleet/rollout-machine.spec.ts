import { describe, expect, it } from 'vitest';
import type { ClusterObservation, ObservedReport } from './cluster-verdict.js';
import { advanceRollout, type RolloutAction } from './rollout-machine.js';
import { ClusterPhase, createRolloutState, RolloutPhase, type RolloutState, WavePhase } from './rollout-state.js';
import type { PlannedWave } from './wave-plan.js';

const REV = 'b'.repeat(40);
const OLD = 'a'.repeat(40);
const REVERT = 'c'.repeat(40);
const wave = (name: string, batches: string[][], soakMs = 0, healthTimeoutMs = 60_000): PlannedWave => ({
  name,
  index: 0,
  clusterIds: batches.flat(),
  batches,
  soakMs,
  healthTimeoutMs,
});

/** A fleet of fake clusters whose latest report the test sets, and a clock. */
class World {
  obs = new Map<string, ClusterObservation>();
  now = 1_000_000;
  state: RolloutState;
  log: RolloutAction[] = [];
  constructor(waves: PlannedWave[], onFailure: 'pause' | 'rollback' = 'pause') {
    this.state = createRolloutState({
      id: 'r1',
      revision: REV,
      onFailure,
      plan: { waves, unassigned: [] },
      now: this.now,
    });
  }
  report(ids: string[], r: Partial<ObservedReport> = {}, online = true): void {
    for (const id of ids)
      this.obs.set(id, {
        online,
        report: { revision: REV, state: 'Synced', health: 'Healthy', receivedAt: this.now, ...r },
      });
  }
  offline(id: string): void {
    this.obs.set(id, { ...this.obs.get(id), online: false });
  }
  step(advanceMs = 0): RolloutAction[] {
    this.now += advanceMs;
    const { state, actions } = advanceRollout(this.state, (id) => this.obs.get(id) ?? { online: true }, this.now);
    this.state = state;
    this.log.push(...actions);
    return actions;
  }
  cluster(id: string) {
    return this.state.waves.flatMap((w) => w.clusters).find((c) => c.id === id);
  }
}

describe('rollout machine: waves in order', () => {
  it('pins the first wave only, then the next once the first is Synced + Healthy, and ends Succeeded', () => {
    const w = new World([wave('canary', [['c1']]), wave('edge', [['e1', 'e2']])]);
    expect(w.step()).toEqual([
      { type: 'waveStarted', wave: 'canary' },
      { type: 'pin', clusterIds: ['c1'], revision: REV },
    ]);
    expect(w.step(1000)).toEqual([]);
    w.report(['e1', 'e2']); // reports received before their pin are stale: they do not pass the next wave
    w.report(['c1'], { state: 'Reconciling', health: 'Progressing' });
    expect(w.step(1000)).toEqual([]);
    w.report(['c1']);
    expect(w.step(1000)).toEqual([
      { type: 'wavePassed', wave: 'canary' },
      { type: 'waveStarted', wave: 'edge' },
      { type: 'pin', clusterIds: ['e1', 'e2'], revision: REV },
    ]);
    expect(w.step(1000)).toEqual([]);
    w.report(['e1', 'e2']);
    expect(w.step(1000)).toEqual([{ type: 'wavePassed', wave: 'edge' }, { type: 'succeeded' }]);
    expect(w.state).toMatchObject({ phase: RolloutPhase.Succeeded, finishedAt: w.now });
    expect(w.state.waves.map((x) => x.phase)).toEqual([WavePhase.Passed, WavePhase.Passed]);
    expect(w.step(1000)).toEqual([]);
  });

  it('ignores reports about other revisions (the one the cluster ran before)', () => {
    const w = new World([wave('all', [['c1']])]);
    w.step();
    w.obs.set('c1', { online: true, report: { revision: OLD, state: 'Synced', health: 'Healthy' } });
    expect(w.step(1000)).toEqual([]);
    expect(w.cluster('c1')?.phase).toBe(ClusterPhase.Updating);
  });

  it('pins batches of maxParallel one after the other', () => {
    const w = new World([wave('all', [['a', 'b'], ['c', 'd'], ['e']])]);
    expect(w.step()).toContainEqual({ type: 'pin', clusterIds: ['a', 'b'], revision: REV });
    w.report(['a']);
    expect(w.step(10)).toEqual([]);
    w.report(['b']);
    expect(w.step(10)).toEqual([{ type: 'pin', clusterIds: ['c', 'd'], revision: REV }]);
    w.report(['c', 'd']);
    expect(w.step(10)).toEqual([{ type: 'pin', clusterIds: ['e'], revision: REV }]);
    w.report(['e']);
    expect(w.step(10)).toEqual([{ type: 'wavePassed', wave: 'all' }, { type: 'succeeded' }]);
  });
});

describe('rollout machine: soak', () => {
  it('passes a wave only after it stayed healthy for the soak time', () => {
    const w = new World([wave('canary', [['c1']], 30_000), wave('rest', [['r1']])]);
    w.step();
    w.report(['c1']);
    expect(w.step(1000)).toEqual([]);
    expect(w.state.waves[0]).toMatchObject({ phase: WavePhase.Soaking, healthyAt: w.now });
    const healthyAt = w.now;
    expect(w.step(29_999)).toEqual([]);
    expect(w.step(1)).toEqual([
      { type: 'wavePassed', wave: 'canary' },
      { type: 'waveStarted', wave: 'rest' },
      { type: 'pin', clusterIds: ['r1'], revision: REV },
    ]);
    expect(w.state.waves[0]?.finishedAt).toBe(healthyAt + 30_000);
    expect(w.state.waves[1]?.startedAt).toBe(healthyAt + 30_000);
  });

  it('restarts the soak when a cluster falls out of Healthy during it', () => {
    const w = new World([wave('canary', [['c1']], 30_000)]);
    w.step();
    w.report(['c1']);
    w.step(1000);
    w.report(['c1'], { health: 'Progressing' });
    w.step(20_000);
    expect(w.state.waves[0]?.phase).toBe(WavePhase.Progressing);
    w.report(['c1']);
    w.step(5000);
    expect(w.step(29_000)).toEqual([]);
    expect(w.step(1000)).toContainEqual({ type: 'wavePassed', wave: 'canary' });
  });

  it('fails the wave when a cluster turns Degraded during the soak', () => {
    const w = new World([wave('canary', [['c1']], 30_000)]);
    w.step();
    w.report(['c1']);
    w.step(1000);
    w.report(['c1'], { health: 'Degraded' });
    expect(w.step(1000).map((a) => a.type)).toEqual(['waveFailed', 'paused']);
  });
});

describe('rollout machine: failure', () => {
  it('fails the wave on a failed sync and pauses with the reason when onFailure is pause; later waves are never pinned', () => {
    const w = new World([wave('canary', [['c1', 'c2']]), wave('rest', [['r1']])]);
    w.step();
    w.report(['c1'], { state: 'Failed', health: 'Healthy', error: 'apply: image pull refused' });
    w.report(['c2']);
    const actions = w.step(1000);
    expect(actions[0]).toMatchObject({ type: 'waveFailed', wave: 'canary', clusterIds: ['c1'] });
    expect(actions[1]).toEqual({
      type: 'paused',
      reason: expect.stringContaining('c1 (sync of bbbbbbbbbbbb failed: apply: image pull refused)') as string,
    });
    expect(w.state).toMatchObject({ phase: RolloutPhase.Paused, failedClusterIds: ['c1'] });
    expect(w.cluster('c1')).toMatchObject({ phase: ClusterPhase.Failed, failedAt: w.now });
    expect(w.step(60_000)).toEqual([]);
    expect(w.log.filter((a) => a.type === 'pin').flatMap((a) => (a.type === 'pin' ? a.clusterIds : []))).toEqual([
      'c1',
      'c2',
    ]);
  });

  it('fails the wave on Degraded health', () => {
    const w = new World([wave('canary', [['c1']])]);
    w.step();
    w.report(['c1'], { state: 'Synced', health: 'Degraded' });
    expect(w.step(1)[0]).toMatchObject({
      type: 'waveFailed',
      reason: expect.stringContaining('health Degraded') as string,
    });
  });

  it('fails the wave when the health timeout passes without Synced + Healthy', () => {
    const w = new World([wave('canary', [['c1']], 0, 60_000)]);
    w.step();
    w.report(['c1'], { state: 'Synced', health: 'Progressing' });
    expect(w.step(59_999)).toEqual([]);
    expect(w.step(1)[0]).toMatchObject({
      type: 'waveFailed',
      reason: expect.stringContaining('health timeout') as string,
    });
  });

  it('holds the wave on a retryable failure, and succeeds once the agent retry gets through', () => {
    const w = new World([wave('canary', [['c1']], 0, 30_000), wave('edge', [['e1']])], 'rollback');
    w.step();
    w.report(['c1'], {
      state: 'Failed',
      health: 'Unknown',
      error: { stage: 'source', code: 'SOURCE_UNAVAILABLE', reason: 'Request timed out', retryable: true },
    });
    expect(w.step(10_000)).toEqual([]);
    expect(w.cluster('c1')).toMatchObject({
      phase: ClusterPhase.Updating,
      lastError: expect.stringContaining('SOURCE_UNAVAILABLE') as string,
    });
    w.report(['c1']);
    expect(w.step(10_000).map((a) => a.type)).toEqual(['wavePassed', 'waveStarted', 'pin']);
  });

  it('fails a wave held by retryable failures at the health timeout, naming cluster, stage and last error', () => {
    const w = new World([wave('canary', [['c1']], 0, 30_000)], 'rollback');
    w.obs.set('c1', { online: true, name: 'canary-1' });
    w.step();
    w.obs.set('c1', {
      online: true,
      name: 'canary-1',
      report: {
        revision: REV,
        state: 'Failed',
        health: 'Unknown',
        receivedAt: w.now,
        error: { stage: 'apply', code: 'KUBE_TOOMANYREQUESTS', reason: 'slow down', retryable: true },
      },
    });
    expect(w.step(29_000)).toEqual([]);
    const actions = w.step(2_000);
    expect(actions.map((a) => a.type)).toEqual(['waveFailed', 'rollbackRequested']);
    expect(w.state.reason).toMatch(
      /^wave canary failed: canary-1 \(health timeout: .*last error: .*apply: KUBE_TOOMANYREQUESTS: slow down\)/,
    );
  });

  it('lets a cluster whose path does not exist yet wait: it holds nothing and is not failed', () => {
    const w = new World([wave('canary', [['c1', 'c2']]), wave('edge', [['e1']])], 'rollback');
    w.step();
    w.report(['c1']);
    w.report(['c2'], {
      state: 'Failed',
      health: 'Unknown',
      error: {
        stage: 'render',
        code: 'PATH_NOT_FOUND',
        reason: 'path does not exist in the repository',
        retryable: false,
      },
    });
    expect(w.step(1000).map((a) => a.type)).toEqual(['wavePassed', 'waveStarted', 'pin']);
    expect(w.cluster('c2')).toMatchObject({ phase: ClusterPhase.Waiting });
    expect(w.state.failedClusterIds).toBeUndefined();
  });

  it('asks for a rollback naming the failing clusters when onFailure is rollback', () => {
    const w = new World([wave('canary', [['c1']])], 'rollback');
    w.step();
    w.report(['c1'], { state: 'Failed', error: 'boom' });
    const actions = w.step(1);
    expect(actions[1]).toMatchObject({
      type: 'rollbackRequested',
      clusterIds: ['c1'],
      reason: expect.stringContaining('boom') as string,
    });
    expect(w.state.phase).toBe(RolloutPhase.RollingBack);
  });
});

describe('rollout machine: offline clusters', () => {
  it('holds the wave while a cluster is offline, shows it as offline, and does not time it out', () => {
    const w = new World([wave('canary', [['c1']], 0, 60_000), wave('rest', [['r1']])]);
    w.step();
    w.offline('c1');
    expect(w.step(120_000)).toEqual([]);
    expect(w.cluster('c1')).toMatchObject({ phase: ClusterPhase.Updating, offline: true, deadlineAt: w.now + 60_000 });
    expect(w.step(300_000)).toEqual([]);
    w.report(['c1'], { state: 'Reconciling', health: 'Progressing' });
    expect(w.step(1000)).toEqual([]);
    expect(w.cluster('c1')?.offline).toBe(false);
    w.report(['c1']);
    expect(w.step(1000)).toContainEqual({ type: 'wavePassed', wave: 'canary' });
  });

  it('gives a cluster back a full health timeout after it returns', () => {
    const w = new World([wave('canary', [['c1']], 0, 60_000)]);
    w.step();
    w.offline('c1');
    w.step(100_000);
    w.report(['c1'], { state: 'Reconciling', health: 'Progressing' });
    expect(w.step(59_000)).toEqual([]);
    expect(w.step(1000)[0]).toMatchObject({ type: 'waveFailed' });
  });
});

describe('rollout machine: rollback', () => {
  function failedCanary(): World {
    const w = new World([wave('canary', [['c1', 'c2']]), wave('rest', [['r1']])], 'rollback');
    w.step();
    w.report(['c1'], { state: 'Failed' });
    w.step(1);
    return w;
  }

  it('waits for the revert commit, then pins every cluster that received the bad revision to it', () => {
    const w = failedCanary();
    expect(w.step(1000)).toEqual([]);
    w.state = { ...w.state, rollbackRevision: REVERT };
    expect(w.step(1000)).toEqual([{ type: 'pin', clusterIds: ['c1', 'c2'], revision: REVERT }]);
    expect(w.step(1000)).toEqual([]);
    for (const id of ['c1', 'c2'])
      w.obs.set(id, { online: true, report: { revision: REVERT, state: 'Synced', health: 'Healthy' } });
    expect(w.step(1000)).toEqual([{ type: 'rolledBack', revision: REVERT }]);
    expect(w.state).toMatchObject({ phase: RolloutPhase.RolledBack, finishedAt: w.now });
    expect(w.cluster('r1')).toMatchObject({ phase: ClusterPhase.Pending });
    expect(w.cluster('r1')?.pinnedAt).toBeUndefined();
  });

  it('pauses with the reason when the revert itself fails on a cluster', () => {
    const w = failedCanary();
    w.state = { ...w.state, rollbackRevision: REVERT };
    w.step(1);
    w.obs.set('c1', {
      online: true,
      report: { revision: REVERT, state: 'Failed', health: 'Unknown', error: 'still broken' },
    });
    const actions = w.step(1);
    expect(actions).toEqual([
      { type: 'paused', reason: expect.stringContaining('rollback to cccccccccccc failed: c1') as string },
    ]);
    expect(w.state.phase).toBe(RolloutPhase.Paused);
  });

  it('does nothing for paused or finished rollouts', () => {
    const w = new World([wave('canary', [['c1']])]);
    w.state = { ...w.state, phase: RolloutPhase.Paused };
    expect(w.step(1)).toEqual([]);
    w.state = { ...w.state, phase: RolloutPhase.Aborted };
    expect(w.step(1)).toEqual([]);
    expect(w.cluster('c1')?.phase).toBe(ClusterPhase.Pending);
  });

  it('never mutates the state it was given', () => {
    const w = new World([wave('canary', [['c1']])]);
    const before = structuredClone(w.state);
    const frozen = w.state;
    advanceRollout(frozen, () => ({ online: true }), w.now);
    expect(frozen).toEqual(before);
  });
});

import { describe, expect, it } from 'vitest';
import {
  abortRollout,
  isFinal,
  pauseRollout,
  requestRollback,
  resumeRollout,
  RolloutTransitionError,
  setRollbackRevision,
  supersedeRollout,
} from './rollout-commands.js';
import { advanceRollout } from './rollout-machine.js';
import { ClusterPhase, createRolloutState, RolloutPhase, type RolloutState, WavePhase } from './rollout-state.js';

const REV = 'b'.repeat(40);
const plan = {
  unassigned: [],
  waves: [
    { name: 'canary', index: 0, clusterIds: ['c1'], batches: [['c1']], soakMs: 0, healthTimeoutMs: 60_000 },
    { name: 'rest', index: 1, clusterIds: ['r1'], batches: [['r1']], soakMs: 0, healthTimeoutMs: 60_000 },
  ],
};
const failed = (onFailure: 'pause' | 'rollback'): RolloutState => {
  const s0 = advanceRollout(
    createRolloutState({ id: 'r', revision: REV, onFailure, plan, now: 0 }),
    () => ({ online: true }),
    0,
  ).state;
  return advanceRollout(s0, () => ({ online: true, report: { revision: REV, state: 'Failed', health: 'Unknown' } }), 10)
    .state;
};

describe('rollout commands', () => {
  it('pause stops the machine; resume continues where it was', () => {
    const running = advanceRollout(
      createRolloutState({ id: 'r', revision: REV, onFailure: 'pause', plan, now: 0 }),
      () => ({ online: true }),
      0,
    ).state;
    const paused = pauseRollout(running, 'operator alice paused');
    expect(paused).toMatchObject({ phase: RolloutPhase.Paused, reason: 'operator alice paused' });
    expect(
      advanceRollout(paused, () => ({ online: true, report: { revision: REV, state: 'Synced', health: 'Healthy' } }), 5)
        .actions,
    ).toEqual([]);
    const resumed = resumeRollout(paused, 100_000);
    expect(resumed).toMatchObject({ phase: RolloutPhase.Running, reason: undefined });
    expect(resumed.waves[0]?.clusters[0]?.deadlineAt).toBe(160_000);
  });

  it('resume after a failed wave retries it with fresh timeouts instead of skipping it', () => {
    const resumed = resumeRollout(failed('pause'), 1000);
    expect(resumed.phase).toBe(RolloutPhase.Running);
    expect(resumed.waves[0]).toMatchObject({
      phase: WavePhase.Progressing,
      clusters: [{ id: 'c1', phase: ClusterPhase.Updating, deadlineAt: 61_000 }],
    });
    expect(resumed.waves[1]?.phase).toBe(WavePhase.Pending);
    const healthy = advanceRollout(
      resumed,
      (id) =>
        id === 'c1'
          ? { online: true, report: { revision: REV, state: 'Synced', health: 'Healthy' } }
          : { online: true },
      2000,
    );
    expect(healthy.actions.map((a) => a.type)).toEqual(['wavePassed', 'waveStarted', 'pin']);
  });

  it('resume of a rollback paused by a refused push goes back to rolling back', () => {
    const rollingBack = failed('rollback');
    expect(rollingBack.phase).toBe(RolloutPhase.RollingBack);
    const paused = pauseRollout(rollingBack, 'push refused: protected branch');
    expect(resumeRollout(paused, 5).phase).toBe(RolloutPhase.RollingBack);
  });

  it('rollback on demand works from running, paused and succeeded, once', () => {
    const requested = requestRollback(failed('pause'), 'operator asked');
    expect(requested.phase).toBe(RolloutPhase.RollingBack);
    const withRevert = setRollbackRevision(requested, 'c'.repeat(40));
    expect(withRevert.rollbackRevision).toBe('c'.repeat(40));
    expect(() => requestRollback(pauseRollout(withRevert, 'x'), 'again')).toThrow(RolloutTransitionError);
  });

  it('abort and supersede end the rollout; final rollouts refuse every command', () => {
    const aborted = abortRollout(failed('pause'), 'operator aborted', 7);
    expect(aborted).toMatchObject({ phase: RolloutPhase.Aborted, finishedAt: 7 });
    expect(isFinal(aborted)).toBe(true);
    expect(() => resumeRollout(aborted, 8)).toThrow('cannot resume a rollout that is Aborted');
    expect(() => pauseRollout(aborted, 'x')).toThrow(RolloutTransitionError);
    const superseded = supersedeRollout(failed('pause'), 'd'.repeat(40), 9);
    expect(superseded).toMatchObject({ phase: RolloutPhase.Superseded, reason: `superseded by ${'d'.repeat(40)}` });
  });

  it('never supersedes a rollback in progress', () => {
    expect(() => supersedeRollout(failed('rollback'), 'd'.repeat(40), 9)).toThrow(
      'cannot supersede a rollout that is RollingBack',
    );
  });
});

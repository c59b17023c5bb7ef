import { describe, expect, it } from 'vitest';
import { syncStateOf } from './sync-state.js';

const a = 'a'.repeat(40);
const b = 'b'.repeat(40);
const report = (revision: string, state: 'Synced' | 'Failed' | 'Reconciling') => ({
  revision,
  state,
  health: 'Healthy' as const,
  appliedRevision: revision,
});

describe('syncStateOf', () => {
  it('is OutOfSync with Unknown health before any report', () => {
    expect(syncStateOf(a, null)).toEqual({ state: 'OutOfSync', health: 'Unknown' });
  });

  it('is OutOfSync while the latest report is for an older revision, keeping its health', () => {
    expect(syncStateOf(b, report(a, 'Synced'))).toEqual({ state: 'OutOfSync', health: 'Healthy' });
  });

  it("takes the agent's verdict once it reported on the desired revision", () => {
    expect(syncStateOf(a, report(a, 'Synced')).state).toBe('Synced');
    expect(syncStateOf(a, report(a, 'Reconciling')).state).toBe('Reconciling');
    expect(syncStateOf(a, report(a, 'Failed')).state).toBe('Failed');
  });

  it('is Waiting, not Failed, while the cluster path does not exist at the desired revision', () => {
    const error = {
      stage: 'render',
      code: 'PATH_NOT_FOUND',
      reason: 'path does not exist in the repository',
      retryable: false,
    };
    expect(syncStateOf(a, { ...report(a, 'Failed'), error }).state).toBe('Waiting');
    expect(
      syncStateOf(a, { ...report(a, 'Failed'), error: { ...error, code: 'INVALID_YAML', reason: 'bad' } }).state,
    ).toBe('Failed');
  });
});

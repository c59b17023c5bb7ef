import { describe, expect, it } from 'vitest';
import { isPathMissing, verdictAt, type ObservedReport } from './cluster-verdict.js';

const REV = 'b'.repeat(40);
const OLD = 'a'.repeat(40);
const at = (r: Partial<ObservedReport>) =>
  verdictAt(REV, { online: true, report: { revision: REV, state: 'Synced', health: 'Healthy', ...r } });
const failed = (error: ObservedReport['error']) => at({ state: 'Failed', health: 'Unknown', error });

describe('cluster verdict', () => {
  it('holds on retryable failures: source unavailable, API 429/5xx, a watch not caught up', () => {
    for (const [stage, code] of [
      ['source', 'SOURCE_UNAVAILABLE'],
      ['apply', 'KUBE_TOOMANYREQUESTS'],
      ['plan', 'KUBE_INTERNALERROR'],
      ['health', 'WATCH_NOT_CAUGHT_UP'],
    ])
      expect(failed({ stage, code, reason: 'Request timed out', retryable: true })).toEqual({
        kind: 'retrying',
        reason: `sync of bbbbbbbbbbbb failed (retryable): ${stage}: ${code}: Request timed out`,
      });
  });

  it('fails on real failures, naming stage, code, file and reason', () => {
    expect(
      failed({ stage: 'render', code: 'YAML_INVALID', file: 'clusters/x/a.yaml', reason: 'bad', retryable: false }),
    ).toEqual({
      kind: 'failed',
      reason: 'sync of bbbbbbbbbbbb failed: render: YAML_INVALID: clusters/x/a.yaml: bad',
    });
    expect(failed({ stage: 'apply', code: 'APPLY_FAILED', reason: 'rejected', retryable: false }).kind).toBe('failed');
    expect(at({ health: 'Degraded' }).kind).toBe('failed');
    // A bare reason (older callers) is a real failure.
    expect(failed('image pull refused').kind).toBe('failed');
  });

  it('calls a missing cluster path waiting, from new and old agents alike', () => {
    const newAgent = {
      stage: 'render',
      code: 'PATH_NOT_FOUND',
      file: 'clusters/x',
      reason: 'path does not exist in the repository',
      retryable: false,
    };
    const oldAgent = { ...newAgent, code: 'NOT_FOUND' };
    expect(failed(newAgent).kind).toBe('waiting');
    expect(failed(oldAgent).kind).toBe('waiting');
    expect(
      isPathMissing({ stage: 'render', code: 'NOT_FOUND', reason: 'resource base/x not found', retryable: false }),
    ).toBe(false);
  });

  it('accepts Healthy only from a pass that left the cluster running the revision', () => {
    expect(at({ appliedRevision: REV }).kind).toBe('healthy');
    expect(at({ appliedRevision: OLD }).kind).toBe('pending');
    expect(at({ state: 'Reconciling', health: 'Healthy' }).kind).toBe('pending');
  });

  it('does not accept Healthy while an object was judged before its controller observed the written generation', () => {
    expect(at({ appliedRevision: REV, objectsBehind: 1 }).kind).toBe('pending');
    expect(at({ appliedRevision: REV, objectsBehind: 0 }).kind).toBe('healthy');
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IncidentGrouper, incidentKey, type AlertEvent, type Incident } from './alert-event.js';
import { slackBody, summarize } from './alert-message.js';

const object = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'api' };
const drift = (cluster: string, fields = ['spec.replicas'], resolution = 'reverted'): AlertEvent => ({
  cause: { kind: 'drift_detected', object, fields },
  cluster: { id: cluster, name: `c-${cluster}`, detail: { resolution } },
});

describe('IncidentGrouper', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('turns the same drift on many clusters within the window into one incident, each cluster once', () => {
    const out: Incident[] = [];
    const g = new IncidentGrouper(10_000, (i) => out.push(i));
    for (let i = 0; i < 40; i++) g.add(drift(String(i)));
    g.add(drift('3'));
    vi.advanceTimersByTime(9_999);
    expect(out).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(out).toHaveLength(1);
    expect(out[0]!.clusters).toHaveLength(40);
  });

  it('keeps different causes and later windows apart', () => {
    const out: Incident[] = [];
    const g = new IncidentGrouper(1000, (i) => out.push(i));
    g.add(drift('a'));
    g.add(drift('b', ['spec.template']));
    vi.advanceTimersByTime(1000);
    g.add(drift('c'));
    vi.advanceTimersByTime(1000);
    expect(out.map((i) => i.clusters.map((c) => c.id))).toEqual([['a'], ['b'], ['c']]);
  });
});

describe('incident keys and messages', () => {
  it('ignores field order, and keys sync failures by stage, code and reason', () => {
    expect(incidentKey({ kind: 'drift_detected', object, fields: ['a', 'b'] })).toBe(
      incidentKey({ kind: 'drift_detected', object, fields: ['b', 'a'] }),
    );
    const err = (reason: string) => ({
      kind: 'sync_failed' as const,
      error: { stage: 'render' as const, code: 'INVALID_YAML', reason },
    });
    expect(incidentKey(err('x'))).not.toBe(incidentKey(err('y')));
  });

  it('says whether drift was reverted and lists the clusters', () => {
    const incident = {
      key: 'k',
      cause: drift('a').cause,
      clusters: [drift('a').cluster, drift('b', undefined, 'reported').cluster],
      firstSeenAt: new Date(),
    };
    expect(summarize(incident)).toBe('Drift on Deployment web/api (spec.replicas) on 2 clusters: reverted on 1 of 2');
    expect(slackBody(incident).text).toContain('Clusters: c-a, c-b');
  });
});

/** Builders for agent sync and drift reports in tests. */
import { PROTOCOL_VERSION, type DriftReport, type SyncReport } from '@flotilla/protocol';

export function syncReport(
  clusterId: string,
  seq: number,
  revision: string,
  over: Partial<SyncReport> = {},
): SyncReport {
  const finished = new Date();
  return {
    protocol: PROTOCOL_VERSION,
    clusterId,
    seq,
    revision,
    appliedRevision: revision,
    startedAt: new Date(finished.getTime() - 120).toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: 120,
    state: 'Synced',
    health: 'Healthy',
    objects: [],
    sourceAvailable: true,
    ...over,
  };
}

export function driftReport(
  clusterId: string,
  seq: number,
  revision: string,
  over: Partial<DriftReport> = {},
): DriftReport {
  return {
    protocol: PROTOCOL_VERSION,
    clusterId,
    seq,
    revision,
    object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'api' },
    fields: ['spec.replicas'],
    managers: ['kubectl-scale'],
    detectedAt: new Date().toISOString(),
    resolution: 'reverted',
    revertedAt: new Date().toISOString(),
    revertLatencyMs: 40,
    ...over,
  };
}

export const deployment = (name: string, action: string, health = 'Healthy') =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'web',
    name,
    action,
    health,
  }) as SyncReport['objects'][number];

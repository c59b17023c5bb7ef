/** What an alert is about, and how same-cause events on many clusters become one incident. Pure. */
import type { DriftReport, ReconcileErrorReport } from '@flotilla/protocol';

export const AlertEventKind = {
  DriftDetected: 'drift_detected',
  SyncFailed: 'sync_failed',
  ClusterOffline: 'cluster_offline',
} as const;
export type AlertEventKind = (typeof AlertEventKind)[keyof typeof AlertEventKind];

export interface AlertCluster {
  id: string;
  name: string;
  /** Per-cluster detail: drift resolution, revision, last seen. */
  detail: Record<string, unknown>;
}

export type AlertCause =
  | { kind: 'drift_detected'; object: DriftReport['object']; fields: string[] }
  | { kind: 'sync_failed'; error: Pick<ReconcileErrorReport, 'stage' | 'code' | 'reason'> }
  | { kind: 'cluster_offline' };

export interface AlertEvent {
  cause: AlertCause;
  cluster: AlertCluster;
}

/** Same key = same incident: same object and fields for drift, same stage/code/reason for a failure. */
export function incidentKey(cause: AlertCause): string {
  switch (cause.kind) {
    case 'drift_detected': {
      const o = cause.object;
      return JSON.stringify([cause.kind, o.apiVersion, o.kind, o.namespace ?? '', o.name, [...cause.fields].sort()]);
    }
    case 'sync_failed':
      return JSON.stringify([cause.kind, cause.error.stage, cause.error.code, cause.error.reason]);
    case 'cluster_offline':
      return JSON.stringify([cause.kind]);
  }
}

export interface Incident {
  key: string;
  cause: AlertCause;
  clusters: AlertCluster[];
  firstSeenAt: Date;
}

/**
 * Collects events into incidents: the first event of a key opens a window of `windowMs`;
 * events with that key arriving inside it join (each cluster once); when it closes the
 * incident is emitted once.
 */
export class IncidentGrouper {
  private readonly open = new Map<string, { incident: Incident; timer: NodeJS.Timeout }>();

  constructor(
    private readonly windowMs: number,
    private readonly emit: (incident: Incident) => void,
  ) {}

  add(event: AlertEvent): void {
    const key = incidentKey(event.cause);
    const existing = this.open.get(key);
    if (existing) {
      if (!existing.incident.clusters.some((c) => c.id === event.cluster.id))
        existing.incident.clusters.push(event.cluster);
      return;
    }
    const incident: Incident = { key, cause: event.cause, clusters: [event.cluster], firstSeenAt: new Date() };
    const timer = setTimeout(() => this.close(key), this.windowMs);
    this.open.set(key, { incident, timer });
  }

  /** Emits every open incident now (at shutdown). */
  flushAll(): void {
    for (const key of [...this.open.keys()]) this.close(key);
  }

  private close(key: string): void {
    const entry = this.open.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.open.delete(key);
    this.emit(entry.incident);
  }
}

/** What a cluster's latest sync report says about one revision: healthy, failed, or not there yet. */

export interface ObservedReport {
  /** The revision the reconcile tried to reach. */
  revision: string;
  state: 'Synced' | 'OutOfSync' | 'Reconciling' | 'Failed';
  health: 'Degraded' | 'Missing' | 'Unknown' | 'Progressing' | 'Suspended' | 'Healthy';
  /** The reconcile error's reason, when it failed. */
  error?: string;
  /** When the hub received it (epoch ms); a report received before the pin is stale. */
  receivedAt?: number;
}

export interface ClusterObservation {
  online: boolean;
  /** The cluster's latest sync report, if any. */
  report?: ObservedReport;
}

export type Verdict = { kind: 'healthy' } | { kind: 'pending' } | { kind: 'failed'; reason: string };

export function verdictAt(revision: string, obs: ClusterObservation | undefined, pinnedAt = 0): Verdict {
  const r = obs?.report;
  if (!r || r.revision !== revision || (r.receivedAt ?? pinnedAt) < pinnedAt) return { kind: 'pending' };
  if (r.state === 'Failed')
    return { kind: 'failed', reason: `sync of ${revision.slice(0, 12)} failed${r.error ? `: ${r.error}` : ''}` };
  if (r.health === 'Degraded')
    return { kind: 'failed', reason: `health Degraded at ${revision.slice(0, 12)}${r.error ? `: ${r.error}` : ''}` };
  if (r.state === 'Synced' && r.health === 'Healthy') return { kind: 'healthy' };
  return { kind: 'pending' };
}

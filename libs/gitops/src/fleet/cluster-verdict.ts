/**
 * What a cluster's latest sync report says about one revision: healthy, failed, waiting or not
 * there yet. Failures are classified (issue 14): a retryable one (source unavailable, API
 * 429/5xx/timeouts, a watch not yet caught up) is `retrying` — it holds the wave and the agent
 * retries with backoff until the health timeout; only a real one (render refused, apply rejected,
 * Degraded) is `failed`. A path that does not exist yet at the revision is `waiting`, never failed.
 */

/** The reconcile error of a report, as agents send it (libs/protocol ReconcileErrorReport). */
export interface ObservedError {
  stage?: string;
  code?: string;
  reason: string;
  file?: string;
  retryable?: boolean;
}

export interface ObservedReport {
  /** The revision the reconcile tried to reach. */
  revision: string;
  /** The revision the cluster runs after it (the last good one on failure), when reported. */
  appliedRevision?: string;
  state: 'Synced' | 'OutOfSync' | 'Reconciling' | 'Failed';
  health: 'Degraded' | 'Missing' | 'Unknown' | 'Progressing' | 'Suspended' | 'Healthy';
  /** The reconcile error, when it failed: its reason alone (older callers) or the whole report. */
  error?: string | ObservedError;
  /** When the hub received it (epoch ms); a report received before the pin is stale. */
  receivedAt?: number;
  /**
   * Objects the agent judged at a status.observedGeneration below their metadata.generation: a
   * report with any is not Healthy at its revision, whatever its aggregate says (kstatus's rule,
   * applied by the hub too — an older agent, or one that judged too early, cannot pass a wave).
   */
  objectsBehind?: number;
}

export interface ClusterObservation {
  online: boolean;
  /** The cluster's name, for reasons people read. */
  name?: string;
  /** The cluster's latest sync report, if any. */
  report?: ObservedReport;
}

export type Verdict =
  | { kind: 'healthy' }
  | { kind: 'pending' }
  /** A transient failure: hold and let the agent retry; `reason` is what went wrong last. */
  | { kind: 'retrying'; reason: string }
  /** The cluster's path does not exist at this revision yet: nothing to apply, nothing failed. */
  | { kind: 'waiting'; reason: string }
  | { kind: 'failed'; reason: string };

/** Render code of a cluster path that is not in the repository (agents since issue 14). */
export const PATH_NOT_FOUND = 'PATH_NOT_FOUND';
const MISSING_PATH_REASON = 'path does not exist in the repository';

const asError = (e: ObservedReport['error']): ObservedError | undefined =>
  e === undefined ? undefined : typeof e === 'string' ? { reason: e } : e;

/** True when the error says the cluster's own path is not in the commit (older agents: NOT_FOUND with that reason). */
export function isPathMissing(error: ObservedReport['error'] | null | undefined): boolean {
  const e = asError(error ?? undefined);
  if (!e) return false;
  if (e.code === PATH_NOT_FOUND) return true;
  return (e.stage === undefined || e.stage === 'render') && e.reason === MISSING_PATH_REASON;
}

/** "render: PATH_NOT_FOUND: clusters/x: path does not exist…" — stage, code and reason of an error. */
export function describeError(error: ObservedReport['error']): string {
  const e = asError(error);
  if (!e) return 'no error reported';
  return [e.stage, e.code, e.file, e.reason].filter((p) => p !== undefined && p !== '').join(': ');
}

export function verdictAt(revision: string, obs: ClusterObservation | undefined, pinnedAt = 0): Verdict {
  const r = obs?.report;
  if (!r || r.revision !== revision || (r.receivedAt ?? pinnedAt) < pinnedAt) return { kind: 'pending' };
  const at = revision.slice(0, 12);
  // Degraded is a verdict on what runs, whatever else the pass says.
  if (r.health === 'Degraded')
    return { kind: 'failed', reason: `health Degraded at ${at}${r.error ? `: ${describeError(r.error)}` : ''}` };
  if (r.state === 'Failed') {
    const e = asError(r.error);
    if (isPathMissing(e)) return { kind: 'waiting', reason: `path not in ${at} yet: ${describeError(e)}` };
    if (e?.retryable) return { kind: 'retrying', reason: `sync of ${at} failed (retryable): ${describeError(e)}` };
    return { kind: 'failed', reason: `sync of ${at} failed: ${describeError(e)}` };
  }
  // Healthy counts only from a pass that reached the revision: the cluster runs it now.
  const runs = r.appliedRevision === undefined || r.appliedRevision === revision;
  const observed = !r.objectsBehind;
  if (r.state === 'Synced' && r.health === 'Healthy' && runs && observed) return { kind: 'healthy' };
  return { kind: 'pending' };
}

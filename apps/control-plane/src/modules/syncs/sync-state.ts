/**
 * A cluster's sync state, from its desired revision and its latest sync report:
 * - no report yet for the desired revision (new commit not reached, or nothing reported) → OutOfSync;
 * - otherwise the agent's own verdict in that report: Synced, Reconciling (applied, health still
 *   progressing, or a retry under way), Failed, or OutOfSync;
 * - a failure that says the cluster's path does not exist at that revision → Waiting (not failed).
 */
import { isPathMissing } from '@flotilla/gitops';
import { HealthStatus, SyncState } from '@flotilla/protocol';

export interface LatestReport {
  revision: string;
  state: SyncState;
  health: HealthStatus;
  appliedRevision: string | null;
  error?: { stage: string; code: string; reason: string; file?: string | null; retryable: boolean } | null;
}

export function syncStateOf(
  desiredRevision: string | null,
  latest: LatestReport | null,
): { state: SyncState; health: HealthStatus } {
  const health = latest?.health ?? HealthStatus.Unknown;
  if (!latest || !desiredRevision || latest.revision !== desiredRevision) return { state: SyncState.OutOfSync, health };
  if (
    latest.state === SyncState.Failed &&
    isPathMissing(latest.error ? { ...latest.error, file: latest.error.file ?? undefined } : undefined)
  )
    return { state: SyncState.Waiting, health };
  return { state: latest.state, health };
}

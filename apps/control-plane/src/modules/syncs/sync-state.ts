/**
 * A cluster's sync state, from its desired revision and its latest sync report:
 * - no report yet for the desired revision (new commit not reached, or nothing reported) → OutOfSync;
 * - otherwise the agent's own verdict in that report: Synced, Reconciling (applied, health still
 *   progressing, or a retry under way), Failed, or OutOfSync.
 */
import { HealthStatus, SyncState } from '@flotilla/protocol';

export interface LatestReport {
  revision: string;
  state: SyncState;
  health: HealthStatus;
  appliedRevision: string | null;
}

export function syncStateOf(
  desiredRevision: string | null,
  latest: LatestReport | null,
): { state: SyncState; health: HealthStatus } {
  const health = latest?.health ?? HealthStatus.Unknown;
  if (!latest || !desiredRevision || latest.revision !== desiredRevision) return { state: SyncState.OutOfSync, health };
  return { state: latest.state, health };
}

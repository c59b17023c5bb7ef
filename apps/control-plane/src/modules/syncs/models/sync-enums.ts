/** GraphQL enums over the protocol's vocabularies: conventional upper-case names over the stored values. */
import { registerEnumType } from '@nestjs/graphql';
import { DriftResolution, HealthStatus, ObjectAction, SyncState } from '@flotilla/protocol';

export const SyncStateEnum = {
  SYNCED: SyncState.Synced,
  OUT_OF_SYNC: SyncState.OutOfSync,
  RECONCILING: SyncState.Reconciling,
  FAILED: SyncState.Failed,
  WAITING: SyncState.Waiting,
} as const;
registerEnumType(SyncStateEnum, {
  name: 'SyncState',
  description:
    "SYNCED / RECONCILING / FAILED: the agent's own verdict in its latest report for the desired revision; OUT_OF_SYNC: no report for the desired revision yet (a new commit the agent has not finished), or the agent says so; WAITING: the cluster's path does not exist at the desired revision yet (nothing to apply, not a failure)",
});

export const HealthStatusEnum = {
  DEGRADED: HealthStatus.Degraded,
  MISSING: HealthStatus.Missing,
  UNKNOWN: HealthStatus.Unknown,
  PROGRESSING: HealthStatus.Progressing,
  SUSPENDED: HealthStatus.Suspended,
  HEALTHY: HealthStatus.Healthy,
} as const;
registerEnumType(HealthStatusEnum, { name: 'HealthStatus', description: 'kstatus-like readiness, worst first' });

export const ObjectActionEnum = {
  CREATED: ObjectAction.Created,
  CONFIGURED: ObjectAction.Configured,
  UNCHANGED: ObjectAction.Unchanged,
  DELETED: ObjectAction.Deleted,
  FAILED: ObjectAction.Failed,
  SKIPPED: ObjectAction.Skipped,
} as const;
registerEnumType(ObjectActionEnum, { name: 'ObjectAction' });

export const DriftResolutionEnum = {
  REVERTED: DriftResolution.Reverted,
  REPORTED: DriftResolution.Reported,
  REVERT_FAILED: DriftResolution.RevertFailed,
} as const;
registerEnumType(DriftResolutionEnum, {
  name: 'DriftResolution',
  description: 'REVERTED: self-heal re-applied it; REPORTED: alert-only; REVERT_FAILED: self-heal tried and failed',
});

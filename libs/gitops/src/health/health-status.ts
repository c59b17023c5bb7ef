/**
 * Health: the vocabulary is the wire one (@flotilla/protocol's HealthStatus, re-exported so there
 * is only one); the ranking is argoproj/gitops-engine's (pkg/health healthOrder, reversed).
 */
import { HealthStatus } from '@flotilla/protocol';

export { HealthStatus };

/** Worst first, as gitops-engine ranks them: an aggregate takes the first of these that any member has. */
export const HEALTH_WORST_FIRST: readonly HealthStatus[] = [
  HealthStatus.Unknown,
  HealthStatus.Degraded,
  HealthStatus.Missing,
  HealthStatus.Progressing,
  HealthStatus.Suspended,
  HealthStatus.Healthy,
];

export interface Health {
  status: HealthStatus;
  message: string;
}

/** Negative when `a` is worse than `b`. */
export function compareHealth(a: HealthStatus, b: HealthStatus): number {
  return HEALTH_WORST_FIRST.indexOf(a) - HEALTH_WORST_FIRST.indexOf(b);
}

/** The worst of several statuses; Healthy for none. */
export function worstOf(statuses: Iterable<HealthStatus | Health>): HealthStatus {
  let worst: HealthStatus = HealthStatus.Healthy;
  for (const s of statuses) {
    const status = typeof s === 'string' ? s : s.status;
    if (compareHealth(status, worst) < 0) worst = status;
  }
  return worst;
}

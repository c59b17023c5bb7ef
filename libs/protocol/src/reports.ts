/**
 * What an agent reports after each reconcile (`sync`) and whenever it sees drift (`drift`).
 * Both are published through JetStream with msgID `<clusterId>:<seq>`, so a report replayed
 * after a reconnect is stored once; `seq` grows by one per report and orders them.
 */
import { z } from 'zod';
import { pgDatetime, pgInt, pgText } from './storable.js';
import { PROTOCOL_VERSION } from './version.js';

/** Per-object outcome of an apply or prune. */
export const ObjectAction = {
  Created: 'created',
  Configured: 'configured',
  Unchanged: 'unchanged',
  Deleted: 'deleted',
  Failed: 'failed',
  Skipped: 'skipped',
} as const;
export type ObjectAction = (typeof ObjectAction)[keyof typeof ObjectAction];

/** Health, worst first (as argoproj/gitops-engine orders it). */
export const HealthStatus = {
  Degraded: 'Degraded',
  Missing: 'Missing',
  Unknown: 'Unknown',
  Progressing: 'Progressing',
  Suspended: 'Suspended',
  Healthy: 'Healthy',
} as const;
export type HealthStatus = (typeof HealthStatus)[keyof typeof HealthStatus];

/** A cluster's sync state as the hub shows it. */
export const SyncState = {
  Synced: 'Synced',
  OutOfSync: 'OutOfSync',
  Reconciling: 'Reconciling',
  Failed: 'Failed',
  /**
   * The hub's name for a cluster whose path does not exist yet at its desired revision (agents
   * report that as Failed, render PATH_NOT_FOUND): nothing to apply, nothing failed.
   */
  Waiting: 'Waiting',
} as const;
export type SyncState = (typeof SyncState)[keyof typeof SyncState];

/** Reconcile stages, in order; an error names the one it happened in. */
export const ReconcileStage = {
  Source: 'source',
  Render: 'render',
  Plan: 'plan',
  Apply: 'apply',
  Prune: 'prune',
  Health: 'health',
} as const;
export type ReconcileStage = (typeof ReconcileStage)[keyof typeof ReconcileStage];

const enumOf = <T extends Record<string, string>>(o: T) => z.enum(Object.values(o) as [T[keyof T], ...T[keyof T][]]);
const sha = z.string().regex(/^[0-9a-f]{40}$/, 'must be a full commit SHA');

/** A Kubernetes generation (int64 on the server; only compared, never stored in a column). */
const generationNumber = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const ObjectRef = z.object({
  apiVersion: pgText(253).min(1),
  kind: pgText(253).min(1),
  namespace: pgText(253).optional(),
  name: pgText(253).min(1),
});
export type ObjectRef = z.infer<typeof ObjectRef>;

export const ObjectResult = ObjectRef.extend({
  action: enumOf(ObjectAction),
  health: enumOf(HealthStatus),
  message: pgText(2048).optional(),
  /**
   * The object's metadata.generation and status.observedGeneration in the state its health was
   * judged on (kinds that keep them): the hub accepts a Healthy report only when every object's
   * controller has observed the generation the pass wrote.
   */
  generation: generationNumber.optional(),
  observedGeneration: generationNumber.optional(),
});
export type ObjectResult = z.infer<typeof ObjectResult>;

export const ReconcileErrorReport = z.object({
  stage: enumOf(ReconcileStage),
  code: pgText(128).min(1),
  reason: pgText(4096),
  file: pgText(1024).optional(),
  retryable: z.boolean(),
});
export type ReconcileErrorReport = z.infer<typeof ReconcileErrorReport>;

/** Agent → hub, one per reconcile, success or failure. */
export const SyncReport = z
  .object({
    protocol: z.literal(PROTOCOL_VERSION),
    clusterId: z.string().uuid(),
    seq: z.number().int().nonnegative(),
    /** The revision this reconcile tried to reach. */
    revision: sha,
    /** The revision the cluster actually runs after it (the last good one on failure). */
    appliedRevision: sha.optional(),
    startedAt: pgDatetime(),
    finishedAt: pgDatetime(),
    durationMs: pgInt(),
    state: enumOf(SyncState),
    health: enumOf(HealthStatus),
    objects: z.array(ObjectResult).max(10_000),
    /**
     * Counts per action over every object of the pass, when `objects` lists only some of them (a
     * report must fit one NATS message: the agent leaves out unchanged, healthy objects first).
     */
    objectCounts: z.partialRecord(enumOf(ObjectAction), pgInt()).optional(),
    /** How many object results the report leaves out (then `objectCounts` counts them all). */
    objectsOmitted: pgInt().optional(),
    error: ReconcileErrorReport.optional(),
    /** False when Git could not be reached; the agent keeps the last applied state. */
    sourceAvailable: z.boolean(),
    /**
     * Kubernetes API requests the agent sent again during the pass, after a 429, a 5xx or a
     * connection cut mid-answer (absent when none); they did not fail the pass.
     */
    kubeRetries: pgInt().optional(),
  })
  .strict();
export type SyncReport = z.infer<typeof SyncReport>;

export const DriftResolution = {
  Reverted: 'reverted',
  Reported: 'reported',
  RevertFailed: 'revert-failed',
} as const;
export type DriftResolution = (typeof DriftResolution)[keyof typeof DriftResolution];

/** Agent → hub, whenever someone else changed an object the agent applied. */
export const DriftReport = z
  .object({
    protocol: z.literal(PROTOCOL_VERSION),
    clusterId: z.string().uuid(),
    seq: z.number().int().nonnegative(),
    revision: sha,
    object: ObjectRef,
    /** Field paths that differ from what was applied; for a Secret, data key names only. */
    fields: z.array(pgText(1024)).max(500),
    /** Field managers that own the changed fields (from managedFields), e.g. `kubectl-patch`. */
    managers: z.array(pgText(256)).max(50),
    detectedAt: pgDatetime(),
    resolution: enumOf(DriftResolution),
    /** When the revert was applied (self-heal on), and how long after detection. */
    revertedAt: pgDatetime().optional(),
    revertLatencyMs: pgInt().optional(),
    message: pgText(2048).optional(),
  })
  .strict();
export type DriftReport = z.infer<typeof DriftReport>;

/** JetStream message id that makes a replayed report a duplicate. */
export const reportMsgId = (clusterId: string, seq: number) => `${clusterId}:${seq}`;

/**
 * SQL for rollouts: a rollout row carries the machine state (libs/gitops RolloutState) as JSONB,
 * written in the same transaction as the cluster pins and audit events it causes.
 */
import type { ClusterObservation, ObservedError, ObservedReport, RolloutState } from '@flotilla/gitops';
import type { EntityManager } from 'typeorm';
import { PARTICIPATING } from '../clusters/cluster.entity.js';

export const ACTIVE_PHASES = ['Running', 'Paused', 'RollingBack'] as const;
/** A rollout that never started: its fleet.yaml was invalid, or the signed-commit policy refused its commit. */
export const REJECTED = 'Rejected';

export interface RolloutRow {
  id: string;
  revision: string;
  phase: string;
  trigger: string;
  actor_id: string;
  actor_name: string;
  on_failure: string;
  state: RolloutState;
  reason: string | null;
  policy_error: { file: string; line?: number; reason: string } | null;
  rollback_revision: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export interface NewRollout {
  state: RolloutState;
  trigger: 'commit' | 'manual' | 'rollback';
  actor: { id: string; name: string };
  phase?: string;
  reason?: string;
  policyError?: RolloutRow['policy_error'];
}

export async function insertRollout(m: EntityManager, r: NewRollout): Promise<void> {
  await m.query(
    `INSERT INTO rollouts (id, revision, phase, trigger, actor_id, actor_name, on_failure, state, reason, policy_error, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      r.state.id,
      r.state.revision,
      r.phase ?? r.state.phase,
      r.trigger,
      r.actor.id,
      r.actor.name,
      r.state.onFailure,
      JSON.stringify(r.state),
      r.reason ?? r.state.reason ?? null,
      r.policyError ? JSON.stringify(r.policyError) : null,
      r.state.finishedAt ? new Date(r.state.finishedAt) : null,
    ],
  );
  const owned = r.state.waves.flatMap((w) => w.clusters.map((c) => [c.id, w.name] as const));
  if (owned.length) {
    await m.query(
      `INSERT INTO rollout_clusters (rollout_id, cluster_id, wave) SELECT $1, * FROM unnest($2::uuid[], $3::text[])`,
      [r.state.id, owned.map((o) => o[0]), owned.map((o) => o[1])],
    );
  }
}

export async function saveState(m: EntityManager, state: RolloutState): Promise<void> {
  await m.query(
    `UPDATE rollouts SET state = $2, phase = $3, reason = $4, rollback_revision = $5, finished_at = $6, updated_at = now() WHERE id = $1`,
    [
      state.id,
      JSON.stringify(state),
      state.phase,
      state.reason ?? null,
      state.rollbackRevision ?? null,
      state.finishedAt ? new Date(state.finishedAt) : null,
    ],
  );
}

/** Locks one rollout row for this transaction (null when another replica holds it: SKIP LOCKED). */
export async function lockRollout(m: EntityManager, id: string, wait = false): Promise<RolloutRow | null> {
  const [row] = (await m.query(`SELECT * FROM rollouts WHERE id = $1 FOR UPDATE ${wait ? '' : 'SKIP LOCKED'}`, [
    id,
  ])) as RolloutRow[];
  return row ?? null;
}

export async function activeRolloutIds(
  m: EntityManager,
  phases: readonly string[] = ['Running', 'RollingBack'],
): Promise<string[]> {
  return (
    (await m.query(`SELECT id FROM rollouts WHERE phase = ANY($1) ORDER BY created_at`, [phases])) as { id: string }[]
  ).map((r) => r.id);
}

/** Pins clusters to a revision (their desired revision); returns the ids that changed. */
export async function pinClusters(m: EntityManager, ids: readonly string[], revision: string): Promise<string[]> {
  if (!ids.length) return [];
  const rows = (await m.query(
    `UPDATE clusters SET desired_revision = $2, desired_updated_at = now() WHERE id = ANY($1) AND ${PARTICIPATING} AND desired_revision IS DISTINCT FROM $2 RETURNING id`,
    [ids, revision],
  )) as [{ id: string }[], number];
  return rows[0].map((r) => r.id);
}

/**
 * Each cluster's latest sync report (highest seq) and whether it is online. The report's receive
 * time is not compared with pin times: database and process clocks may differ, and the rollout's
 * revision already tells a report about this rollout from older ones.
 */
export async function observe(
  m: EntityManager,
  ids: readonly string[],
  offlineAfterMs: number,
): Promise<Map<string, ClusterObservation>> {
  const out = new Map<string, ClusterObservation>();
  if (!ids.length) return out;
  const rows = (await m.query(
    `SELECT c.id, c.name, c.last_seen_at, s.revision, s.applied_revision, s.state, s.health, s.error, s.objects_behind
       FROM clusters c
       LEFT JOIN LATERAL (SELECT revision, applied_revision, state, health, error, objects_behind FROM sync_results WHERE cluster_id = c.id ORDER BY seq DESC LIMIT 1) s ON true
      WHERE c.id = ANY($1)`,
    [ids],
  )) as {
    id: string;
    name: string;
    last_seen_at: Date | null;
    revision: string | null;
    applied_revision: string | null;
    state: string | null;
    health: string | null;
    error: ObservedError | null;
    objects_behind: number | null;
  }[];
  const now = Date.now();
  for (const r of rows) {
    const online = r.last_seen_at !== null && now - r.last_seen_at.getTime() < offlineAfterMs;
    const report: ObservedReport | undefined =
      r.revision && r.state && r.health
        ? {
            revision: r.revision,
            ...(r.applied_revision ? { appliedRevision: r.applied_revision } : {}),
            state: r.state as ObservedReport['state'],
            health: r.health as ObservedReport['health'],
            ...(r.error ? { error: r.error } : {}),
            ...(r.objects_behind ? { objectsBehind: r.objects_behind } : {}),
          }
        : undefined;
    out.set(r.id, report ? { online, name: r.name, report } : { online, name: r.name });
  }
  return out;
}

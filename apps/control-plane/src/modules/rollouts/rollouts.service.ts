/** Reads rollouts for GraphQL: newest first, cursor pages, per-wave and per-cluster state with timestamps. */
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../common/cursor.util.js';
import type { RolloutModel } from './models/rollout.model.js';
import type { RolloutRow } from './rollout-store.js';
import { RolloutsException, RolloutsExceptionCode } from './rollouts.exception.js';

/** 'RollingBack' → 'ROLLING_BACK' (GraphQL style). */
export const upperSnake = (s: string) => s.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
const date = (ms: number | undefined) => (ms === undefined ? null : new Date(ms));

export function toRolloutModel(r: RolloutRow, names: ReadonlyMap<string, string>): RolloutModel {
  const s = r.state;
  return {
    id: r.id,
    revision: r.revision,
    phase: upperSnake(r.phase),
    trigger: upperSnake(r.trigger),
    actor: r.actor_name,
    onFailure: upperSnake(r.on_failure),
    reason: r.reason,
    policyError: r.policy_error
      ? { file: r.policy_error.file, line: r.policy_error.line ?? null, reason: r.policy_error.reason }
      : null,
    rollbackRevision: r.rollback_revision,
    failedClusterIds: s.failedClusterIds ?? [],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    waves: s.waves.map((w) => ({
      name: w.name,
      phase: upperSnake(w.phase),
      healthTimeoutSeconds: Math.round(w.healthTimeoutMs / 1000),
      soakSeconds: Math.round(w.soakMs / 1000),
      startedAt: date(w.startedAt),
      healthyAt: date(w.healthyAt),
      finishedAt: date(w.finishedAt),
      clusters: w.clusters.map((c) => ({
        clusterId: c.id,
        clusterName: names.get(c.id) ?? null,
        batch: c.batch,
        phase: upperSnake(c.phase),
        offline: c.offline,
        pinnedAt: date(c.pinnedAt),
        succeededAt: date(c.succeededAt),
        failedAt: date(c.failedAt),
        reason: c.reason ?? null,
        rollbackPhase: c.rollback ? upperSnake(c.rollback.phase) : null,
      })),
    })),
  };
}

const PHASES: Record<string, string> = {
  RUNNING: 'Running',
  PAUSED: 'Paused',
  ROLLING_BACK: 'RollingBack',
  SUCCEEDED: 'Succeeded',
  ROLLED_BACK: 'RolledBack',
  ABORTED: 'Aborted',
  SUPERSEDED: 'Superseded',
  REJECTED: 'Rejected',
};

@Injectable()
export class RolloutsService {
  constructor(private readonly db: DataSource) {}

  private async names(rows: RolloutRow[]): Promise<Map<string, string>> {
    const ids = [...new Set(rows.flatMap((r) => r.state.waves.flatMap((w) => w.clusters.map((c) => c.id))))];
    if (!ids.length) return new Map();
    const found = (await this.db.query(`SELECT id, name FROM clusters WHERE id = ANY($1)`, [ids])) as {
      id: string;
      name: string;
    }[];
    return new Map(found.map((c) => [c.id, c.name]));
  }

  async get(id: string): Promise<RolloutModel> {
    const [row] = (await this.db.query(`SELECT * FROM rollouts WHERE id = $1`, [id])) as RolloutRow[];
    if (!row) throw new RolloutsException(`rollout ${id} does not exist`, RolloutsExceptionCode.NotFound, 'id');
    return toRolloutModel(row, await this.names([row]));
  }

  async page(filter: { phase?: string | null; revision?: string | null }, first: number, after?: string | null) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.phase) {
      const phase = PHASES[filter.phase];
      if (!phase)
        throw new RolloutsException(
          `filter.phase: must be one of ${Object.keys(PHASES).join(', ')}`,
          RolloutsExceptionCode.InvalidInput,
          'filter.phase',
        );
      params.push(phase);
      where.push(`phase = $${params.length}`);
    }
    if (filter.revision) {
      params.push(`${filter.revision}%`);
      where.push(`revision LIKE $${params.length}`);
    }
    if (after) {
      const c = decodeCursor(after) as [string, string] | undefined;
      if (!Array.isArray(c) || c.length !== 2)
        throw new RolloutsException('after: not a cursor from rollouts', RolloutsExceptionCode.InvalidInput, 'after');
      params.push(c[0], c[1]);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(first + 1);
    const rows = (await this.db.query(
      `SELECT *, created_at::text AS cursor_at FROM rollouts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    )) as (RolloutRow & { cursor_at: string })[];
    const names = await this.names(rows);
    const items = rows
      .slice(0, first)
      .map((r) => ({ cursor: encodeCursor([r.cursor_at, r.id]), node: toRolloutModel(r, names) }));
    return { edges: items, pageInfo: { hasNextPage: rows.length > first, endCursor: items.at(-1)?.cursor ?? null } };
  }
}

import { Injectable } from '@nestjs/common';
import type { ReconcileErrorReport } from '@flotilla/protocol';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../common/cursor.util.js';
import type { ClusterObjectModel } from './models/cluster-object.model.js';
import type { SyncResultModel } from './models/sync-result.model.js';
import { SyncsException, SyncsExceptionCode } from './syncs.exception.js';

interface SyncRow {
  id: string;
  seq: string;
  revision: string;
  applied_revision: string | null;
  state: SyncResultModel['state'];
  health: SyncResultModel['health'];
  started_at: Date;
  finished_at: Date;
  duration_ms: number;
  error: ReconcileErrorReport | null;
  source_available: boolean;
  object_counts: Record<string, number>;
}

const toResult = (r: SyncRow): SyncResultModel => ({
  id: String(r.id),
  seq: Number(r.seq),
  revision: r.revision,
  appliedRevision: r.applied_revision,
  state: r.state,
  health: r.health,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  durationMs: r.duration_ms,
  sourceAvailable: r.source_available,
  objects: { created: 0, configured: 0, unchanged: 0, deleted: 0, failed: 0, skipped: 0, ...r.object_counts },
  error: r.error
    ? {
        stage: r.error.stage,
        code: r.error.code,
        reason: r.error.reason,
        file: r.error.file ?? null,
        retryable: r.error.retryable,
      }
    : null,
});

const badCursor = (what: string) =>
  new SyncsException(`after: not a cursor from ${what}`, SyncsExceptionCode.BadCursor, 'after');

export interface DesiredRow {
  name: string;
  syncPath: string | null;
  prune: boolean;
  selfHeal: boolean;
  desiredRevision: string | null;
}

export interface Page<T> {
  items: { cursor: string; node: T }[];
  hasNextPage: boolean;
}

/** Reads stored sync results (the latest is the highest seq) and per-object state. */
@Injectable()
export class SyncsService {
  constructor(private readonly db: DataSource) {}

  async latest(clusterId: string): Promise<SyncResultModel | null> {
    return (await this.latestMany([clusterId])).get(clusterId) ?? null;
  }

  /** The latest sync result of each cluster (one index probe per cluster, one round trip). */
  async latestMany(clusterIds: string[]): Promise<Map<string, SyncResultModel>> {
    const rows = (await this.db.query(
      `SELECT s.* FROM unnest($1::uuid[]) AS c(id)
         CROSS JOIN LATERAL (SELECT * FROM sync_results WHERE cluster_id = c.id ORDER BY seq DESC LIMIT 1) s`,
      [clusterIds],
    )) as (SyncRow & { cluster_id: string })[];
    return new Map(rows.map((r) => [r.cluster_id, toResult(r)]));
  }

  /** Each active cluster's sync settings and desired revision. */
  async desiredMany(clusterIds: string[]): Promise<Map<string, DesiredRow>> {
    const rows = (await this.db.query(
      `SELECT id, name, sync_path, prune, self_heal, desired_revision FROM clusters WHERE id = ANY($1::uuid[]) AND deregistered_at IS NULL`,
      [clusterIds],
    )) as {
      id: string;
      name: string;
      sync_path: string | null;
      prune: boolean;
      self_heal: boolean;
      desired_revision: string | null;
    }[];
    return new Map(
      rows.map((r) => [
        r.id,
        {
          name: r.name,
          syncPath: r.sync_path,
          prune: r.prune,
          selfHeal: r.self_heal,
          desiredRevision: r.desired_revision,
        },
      ]),
    );
  }

  /** Newest first (by seq). */
  async history(clusterId: string, first: number, after?: string | null): Promise<Page<SyncResultModel>> {
    let before = Number.MAX_SAFE_INTEGER;
    if (after) {
      const seq = decodeCursor(after);
      if (typeof seq !== 'number' || !Number.isInteger(seq)) throw badCursor('syncHistory');
      before = seq;
    }
    const rows = (await this.db.query(
      `SELECT * FROM sync_results WHERE cluster_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
      [clusterId, before, first + 1],
    )) as SyncRow[];
    return {
      items: rows.slice(0, first).map((r) => ({ cursor: encodeCursor(Number(r.seq)), node: toResult(r) })),
      hasNextPage: rows.length > first,
    };
  }

  /** Sorted by namespace, kind, name, API group. */
  async objects(clusterId: string, first: number, after?: string | null): Promise<Page<ClusterObjectModel>> {
    let key: string[] = [];
    if (after) {
      const k = decodeCursor(after);
      if (!Array.isArray(k) || k.length !== 4 || !k.every((p) => typeof p === 'string')) throw badCursor('objects');
      key = k as string[];
    }
    const rows = (await this.db.query(
      `SELECT * FROM cluster_objects WHERE cluster_id = $1 ${key.length ? 'AND (namespace, kind, name, api_group) > ($3, $4, $5, $6)' : ''}
        ORDER BY namespace, kind, name, api_group LIMIT $2`,
      [clusterId, first + 1, ...key],
    )) as {
      namespace: string;
      kind: string;
      name: string;
      api_group: string;
      api_version: string;
      action: ClusterObjectModel['action'];
      health: ClusterObjectModel['health'];
      message: string | null;
      revision: string;
      updated_at: Date;
    }[];
    return {
      items: rows.slice(0, first).map((r) => ({
        cursor: encodeCursor([r.namespace, r.kind, r.name, r.api_group]),
        node: {
          apiVersion: r.api_version,
          kind: r.kind,
          namespace: r.namespace || null,
          name: r.name,
          action: r.action,
          health: r.health,
          message: r.message,
          revision: r.revision,
          updatedAt: r.updated_at,
        },
      })),
      hasNextPage: rows.length > first,
    };
  }
}

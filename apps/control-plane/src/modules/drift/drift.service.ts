import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../common/cursor.util.js';
import type { DriftEventsFilter } from './dto/drift-events-filter.input.js';
import { DriftException, DriftExceptionCode } from './drift.exception.js';
import type { DriftEventModel } from './models/drift-event.model.js';

interface DriftRow {
  id: string;
  cluster_id: string;
  cluster_name: string;
  revision: string;
  api_version: string;
  kind: string;
  namespace: string;
  name: string;
  fields: string[];
  managers: string[];
  detected_at: Date;
  resolution: DriftEventModel['resolution'];
  reverted_at: Date | null;
  revert_latency_ms: number | null;
  message: string | null;
}

const toModel = (r: DriftRow): DriftEventModel => ({
  id: String(r.id),
  clusterId: r.cluster_id,
  clusterName: r.cluster_name,
  revision: r.revision,
  object: { apiVersion: r.api_version, kind: r.kind, namespace: r.namespace || null, name: r.name },
  fields: r.fields,
  managers: r.managers,
  detectedAt: r.detected_at,
  resolution: r.resolution,
  revertedAt: r.reverted_at,
  revertLatencyMs: r.revert_latency_ms,
  message: r.message,
});

/** Drift events, newest first, filtered by cluster, time and resolution. */
@Injectable()
export class DriftService {
  constructor(private readonly db: DataSource) {}

  async page(filter: DriftEventsFilter, first: number, after?: string | null) {
    const where = ['c.deregistered_at IS NULL'];
    const params: unknown[] = [];
    const add = (sql: string, ...values: unknown[]) => {
      const n = params.length;
      where.push(sql.replace(/\$(\d)/g, (_, i: string) => `$${n + Number(i)}`));
      params.push(...values);
    };
    if (filter.clusterId) add('d.cluster_id = $1', filter.clusterId);
    if (filter.since) add('d.detected_at >= $1', filter.since);
    if (filter.resolution) add('d.resolution = $1', filter.resolution);
    if (after) {
      const c = decodeCursor(after);
      if (
        !Array.isArray(c) ||
        c.length !== 2 ||
        typeof c[0] !== 'string' ||
        typeof c[1] !== 'string' ||
        Number.isNaN(Date.parse(c[0])) ||
        !/^\d+$/.test(c[1])
      ) {
        throw new DriftException('after: not a cursor from driftEvents', DriftExceptionCode.BadCursor, 'after');
      }
      add('(d.detected_at, d.id) < ($1::timestamptz, $2::bigint)', c[0], c[1]);
    }
    params.push(first + 1);
    const rows = (await this.db.query(
      `SELECT d.*, c.name AS cluster_name FROM drift_events d JOIN clusters c ON c.id = d.cluster_id
        WHERE ${where.join(' AND ')} ORDER BY d.detected_at DESC, d.id DESC LIMIT $${params.length}`,
      params,
    )) as DriftRow[];
    const items = rows
      .slice(0, first)
      .map((r) => ({ cursor: encodeCursor([r.detected_at.toISOString(), String(r.id)]), node: toModel(r) }));
    return { items, hasNextPage: rows.length > first };
  }

  /** One drift event by id (what a driftDetected notice names), whatever replica stored it. */
  async get(id: string): Promise<DriftEventModel | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const rows = (await this.db.query(
      `SELECT d.*, c.name AS cluster_name FROM drift_events d JOIN clusters c ON c.id = d.cluster_id WHERE d.id = $1`,
      [id],
    )) as DriftRow[];
    return rows[0] ? toModel(rows[0]) : undefined;
  }
}

import { Injectable } from '@nestjs/common';
import type { ObjectResult, SyncReport } from '@flotilla/protocol';
import { ObjectAction } from '@flotilla/protocol';
import type { EntityManager } from 'typeorm';
import { RenderedRevisions } from '../fleet-repo/rendered-revisions.js';

export interface StoredSync {
  clusterId: string;
  clusterName: string;
  report: SyncReport;
  /** True when no report with a higher seq was stored before this batch (a late, older report is false). */
  latest: boolean;
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

/** Objects judged before their controller observed the generation the pass wrote. */
export function countObjectsBehind(objects: ObjectResult[]): number {
  let n = 0;
  for (const o of objects)
    if (o.generation !== undefined && o.observedGeneration !== undefined && o.observedGeneration < o.generation) n++;
  return n;
}

/** Objects per action: the agent's counts over the whole pass when it left results out, else from the list. */
function countActions(report: SyncReport): Record<string, number> {
  if (report.objectCounts) return { ...report.objectCounts };
  const counts: Record<string, number> = {};
  for (const o of report.objects) counts[o.action] = (counts[o.action] ?? 0) + 1;
  return counts;
}

/**
 * Stores sync reports (in seq order) in sync_results, ignoring a seq already stored, and moves
 * cluster_objects forward to the newest report per object; an object reported deleted leaves it.
 * Unknown and deregistered clusters are skipped. Returns the reports that were new.
 */
@Injectable()
export class SyncReportWriter {
  constructor(private readonly rendered: RenderedRevisions) {}

  /** A report of a rendered commit (hydration) is stored as its source commit. */
  private asSource(report: SyncReport): SyncReport {
    const revision = this.rendered.sourceOf(report.revision);
    const applied = report.appliedRevision && this.rendered.sourceOf(report.appliedRevision);
    if (revision === report.revision && applied === report.appliedRevision) return report;
    return { ...report, revision, ...(applied ? { appliedRevision: applied } : {}) };
  }

  async write(m: EntityManager, received: { clusterId: string; report: SyncReport }[]): Promise<StoredSync[]> {
    if (received.length === 0) return [];
    const reports = received.map((r) => ({ ...r, report: this.asSource(r.report) }));
    const col = <T>(f: (r: SyncReport) => T) => reports.map((r) => f(r.report));
    const inserted = (await m.query(
      `WITH prev AS (SELECT cluster_id, max(seq) AS seq FROM sync_results WHERE cluster_id = ANY($1::uuid[]) GROUP BY cluster_id)
       INSERT INTO sync_results (cluster_id, seq, revision, applied_revision, state, health, started_at, finished_at, duration_ms, error, source_available, object_counts, objects_behind)
       SELECT v.* FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::int[], $10::jsonb[], $11::boolean[], $12::jsonb[], $13::int[])
         AS v(cluster_id, seq, revision, applied_revision, state, health, started_at, finished_at, duration_ms, error, source_available, object_counts, objects_behind)
         JOIN clusters c ON c.id = v.cluster_id AND c.deregistered_at IS NULL
       ON CONFLICT (cluster_id, seq) DO NOTHING
       RETURNING cluster_id, seq, (SELECT name FROM clusters WHERE id = cluster_id) AS name,
         seq > coalesce((SELECT seq FROM prev WHERE prev.cluster_id = sync_results.cluster_id), -1) AS newer`,
      [
        reports.map((r) => r.clusterId),
        col((r) => r.seq),
        col((r) => r.revision),
        col((r) => r.appliedRevision ?? null),
        col((r) => r.state),
        col((r) => r.health),
        col((r) => r.startedAt),
        col((r) => r.finishedAt),
        col((r) => r.durationMs),
        col((r) => (r.error ? JSON.stringify(r.error) : null)),
        col((r) => r.sourceAvailable),
        col((r) => JSON.stringify(countActions(r))),
        col((r) => countObjectsBehind(r.objects)),
      ],
    )) as { cluster_id: string; seq: string; name: string; newer: boolean }[];
    const isNew = new Map(inserted.map((row) => [`${row.cluster_id}:${row.seq}`, row]));
    const fresh = reports.filter((r) => isNew.has(`${r.clusterId}:${r.report.seq}`));
    await this.updateObjects(m, fresh);
    // In seq order: a consumer that takes each `latest` report in turn ends at the newest.
    return fresh.map((r) => {
      const row = isNew.get(`${r.clusterId}:${r.report.seq}`)!;
      return { clusterId: r.clusterId, clusterName: row.name, report: r.report, latest: row.newer };
    });
  }

  private async updateObjects(m: EntityManager, fresh: { clusterId: string; report: SyncReport }[]): Promise<void> {
    // The newest report wins per object; within this batch that is the highest seq.
    const rows = new Map<string, { clusterId: string; seq: number; revision: string; o: ObjectResult }>();
    for (const r of fresh) {
      for (const o of r.report.objects) {
        const key = [r.clusterId, groupOf(o.apiVersion), o.kind, o.namespace ?? '', o.name].join('\0');
        const prev = rows.get(key);
        if (!prev || prev.seq < r.report.seq)
          rows.set(key, { clusterId: r.clusterId, seq: r.report.seq, revision: r.report.revision, o });
      }
    }
    if (rows.size === 0) return;
    const list = [...rows.values()];
    const col = <T>(f: (r: (typeof list)[number]) => T) => list.map(f);
    await m.query(
      `INSERT INTO cluster_objects (cluster_id, api_group, kind, namespace, name, api_version, action, health, message, revision, seq, updated_at)
       SELECT v.*, now() FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[])
         AS v(cluster_id, api_group, kind, namespace, name, api_version, action, health, message, revision, seq)
       ON CONFLICT (cluster_id, api_group, kind, namespace, name) DO UPDATE
         SET api_version = EXCLUDED.api_version, action = EXCLUDED.action, health = EXCLUDED.health, message = EXCLUDED.message,
             revision = EXCLUDED.revision, seq = EXCLUDED.seq, updated_at = now()
         WHERE cluster_objects.seq < EXCLUDED.seq`,
      [
        col((r) => r.clusterId),
        col((r) => groupOf(r.o.apiVersion)),
        col((r) => r.o.kind),
        col((r) => r.o.namespace ?? ''),
        col((r) => r.o.name),
        col((r) => r.o.apiVersion),
        col((r) => r.o.action),
        col((r) => r.o.health),
        col((r) => r.o.message ?? null),
        col((r) => r.revision),
        col((r) => r.seq),
      ],
    );
    await m.query(`DELETE FROM cluster_objects WHERE cluster_id = ANY($1::uuid[]) AND action = $2`, [
      [...new Set(list.map((r) => r.clusterId))],
      ObjectAction.Deleted,
    ]);
  }
}

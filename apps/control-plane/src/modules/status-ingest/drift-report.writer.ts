import { Injectable } from '@nestjs/common';
import type { DriftReport } from '@flotilla/protocol';
import type { EntityManager } from 'typeorm';

export interface StoredDrift {
  id: string;
  clusterId: string;
  clusterName: string;
  report: DriftReport;
}

/** Stores drift reports as drift_events, once per (cluster, seq); unknown and deregistered clusters are skipped. */
@Injectable()
export class DriftReportWriter {
  async write(m: EntityManager, reports: { clusterId: string; report: DriftReport }[]): Promise<StoredDrift[]> {
    if (reports.length === 0) return [];
    const col = <T>(f: (r: DriftReport) => T) => reports.map((r) => f(r.report));
    const rows = (await m.query(
      `INSERT INTO drift_events (cluster_id, seq, revision, api_version, kind, namespace, name, fields, managers, detected_at, resolution, reverted_at, revert_latency_ms, message)
       SELECT v.cluster_id, v.seq, v.revision, v.api_version, v.kind, v.namespace, v.name,
              ARRAY(SELECT jsonb_array_elements_text(v.fields)), ARRAY(SELECT jsonb_array_elements_text(v.managers)),
              v.detected_at, v.resolution, v.reverted_at, v.revert_latency_ms, v.message
         FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::jsonb[], $10::timestamptz[], $11::text[], $12::timestamptz[], $13::int[], $14::text[])
           AS v(cluster_id, seq, revision, api_version, kind, namespace, name, fields, managers, detected_at, resolution, reverted_at, revert_latency_ms, message)
         JOIN clusters c ON c.id = v.cluster_id AND c.deregistered_at IS NULL
       ON CONFLICT (cluster_id, seq) DO NOTHING
       RETURNING id, cluster_id, seq, (SELECT name FROM clusters WHERE id = cluster_id) AS name`,
      [
        reports.map((r) => r.clusterId),
        col((r) => r.seq),
        col((r) => r.revision),
        col((r) => r.object.apiVersion),
        col((r) => r.object.kind),
        col((r) => r.object.namespace ?? ''),
        col((r) => r.object.name),
        col((r) => JSON.stringify(r.fields)),
        col((r) => JSON.stringify(r.managers)),
        col((r) => r.detectedAt),
        col((r) => r.resolution),
        col((r) => r.revertedAt ?? null),
        col((r) => r.revertLatencyMs ?? null),
        col((r) => r.message ?? null),
      ],
    )) as { id: string; cluster_id: string; seq: string; name: string }[];
    const byKey = new Map(rows.map((r) => [`${r.cluster_id}:${r.seq}`, r]));
    return reports.flatMap((r) => {
      const row = byKey.get(`${r.clusterId}:${r.report.seq}`);
      return row ? [{ id: String(row.id), clusterId: r.clusterId, clusterName: row.name, report: r.report }] : [];
    });
  }
}

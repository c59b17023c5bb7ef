/** Validates agent sync and drift reports off the wire. Pure: no I/O. */
import { AgentMessageKind, describeZodError, DriftReport, subjects, SyncReport } from '@flotilla/protocol';
import type { RejectReason } from './heartbeat.parser.js';

export type AcceptedReport =
  { kind: 'sync'; clusterId: string; report: SyncReport } | { kind: 'drift'; clusterId: string; report: DriftReport };

export type ParsedReport = { ok: true; value: AcceptedReport } | { ok: false; reason: RejectReason; detail: string };

const schemas = { [AgentMessageKind.Sync]: SyncReport, [AgentMessageKind.Drift]: DriftReport } as const;

export function parseReport(subject: string, data: Uint8Array): ParsedReport {
  const parsed = subjects.parseAgent(subject);
  if (!parsed || (parsed.kind !== AgentMessageKind.Sync && parsed.kind !== AgentMessageKind.Drift)) {
    return { ok: false, reason: 'bad_subject', detail: `not a sync or drift subject: ${subject}` };
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return { ok: false, reason: 'bad_json', detail: 'body is not JSON' };
  }
  const result = schemas[parsed.kind].safeParse(body);
  if (!result.success) return { ok: false, reason: 'schema', detail: describeZodError(result.error) };
  if (result.data.clusterId !== parsed.clusterId) {
    return {
      ok: false,
      reason: 'cluster_mismatch',
      detail: `body clusterId ${result.data.clusterId} differs from subject's ${parsed.clusterId}`,
    };
  }
  const value =
    parsed.kind === AgentMessageKind.Sync
      ? { kind: 'sync' as const, clusterId: parsed.clusterId, report: result.data as SyncReport }
      : { kind: 'drift' as const, clusterId: parsed.clusterId, report: result.data as DriftReport };
  return { ok: true, value };
}

/** Reports ordered by cluster, then seq: how each cluster's reports are applied. */
export function inSeqOrder<T extends { clusterId: string; report: { seq: number } }>(reports: T[]): T[] {
  return [...reports].sort((a, b) =>
    a.clusterId === b.clusterId ? a.report.seq - b.report.seq : a.clusterId < b.clusterId ? -1 : 1,
  );
}

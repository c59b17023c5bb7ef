/**
 * A sync report must travel as one NATS message (the relay and nats-server take at most 1 MiB).
 * A pass over thousands of objects lists more results than fit: then the report keeps the results
 * that matter first — failed and skipped objects, objects not Healthy, objects with a message,
 * then created, configured and deleted ones — and leaves out unchanged, healthy ones, saying how
 * many it left out and counting every object per action (`objectCounts`), so the hub's counts stay
 * whole. A report that fits is sent as it is.
 */
import { ObjectAction, RELAY_MAX_PAYLOAD_BYTES, type ObjectResult, type SyncReport } from '@flotilla/protocol';

/** Room kept for the request's own framing and headers within the relay's limit. */
const FRAMING_BYTES = 16 * 1024;
export const REPORT_BUDGET_BYTES = RELAY_MAX_PAYLOAD_BYTES - FRAMING_BYTES;

const utf8Bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** Lower ranks are kept first. */
function rank(o: ObjectResult): number {
  if (o.action === ObjectAction.Failed || o.action === ObjectAction.Skipped) return 0;
  if (o.health !== 'Healthy') return 1;
  if (o.message !== undefined) return 2;
  if (o.action !== ObjectAction.Unchanged) return 3;
  return 4;
}

export function fitReport<R extends Pick<SyncReport, 'objects'>>(report: R, budgetBytes = REPORT_BUDGET_BYTES): R {
  if (utf8Bytes(report) <= budgetBytes) return report;
  const objectCounts: Record<string, number> = {};
  for (const o of report.objects) objectCounts[o.action] = (objectCounts[o.action] ?? 0) + 1;
  // What the report weighs without any result, with the largest numbers its summary can carry.
  const envelope = utf8Bytes({ ...report, objects: [], objectCounts, objectsOmitted: report.objects.length });
  const order = report.objects.map((o, i) => ({ o, i, rank: rank(o) })).sort((a, b) => a.rank - b.rank || a.i - b.i);
  const kept: { o: ObjectResult; i: number }[] = [];
  let size = envelope;
  for (const entry of order) {
    const bytes = utf8Bytes(entry.o) + 1; // and its comma
    if (size + bytes > budgetBytes) break;
    size += bytes;
    kept.push(entry);
  }
  kept.sort((a, b) => a.i - b.i); // the pass's own order for what is listed
  return {
    ...report,
    objects: kept.map((k) => k.o),
    objectCounts,
    objectsOmitted: report.objects.length - kept.length,
  };
}

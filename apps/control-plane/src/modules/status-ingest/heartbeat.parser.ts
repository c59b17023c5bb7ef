/** Validates one agent heartbeat off the wire. Pure: no I/O. */
import { AgentMessageKind, describeZodError, Heartbeat, subjects } from '@flotilla/protocol';

export interface AcceptedHeartbeat {
  clusterId: string;
  seenAt: Date;
  heartbeat: Heartbeat;
}

export type RejectReason = 'bad_subject' | 'bad_json' | 'schema' | 'cluster_mismatch' | 'unsupported_kind';
export type ParsedHeartbeat =
  { ok: true; value: AcceptedHeartbeat } | { ok: false; reason: RejectReason; detail: string };

/**
 * `seenAt` is the server's receive time (from JetStream), so heartbeats queued while the
 * control plane was down keep the time they were really sent.
 */
export function parseHeartbeat(subject: string, data: Uint8Array, seenAt: Date): ParsedHeartbeat {
  const parsed = subjects.parseAgent(subject);
  if (!parsed || parsed.kind !== AgentMessageKind.Heartbeat)
    return { ok: false, reason: 'bad_subject', detail: `not a heartbeat subject: ${subject}` };
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return { ok: false, reason: 'bad_json', detail: 'body is not JSON' };
  }
  const result = Heartbeat.safeParse(body);
  if (!result.success) return { ok: false, reason: 'schema', detail: describeZodError(result.error) };
  if (result.data.clusterId !== parsed.clusterId) {
    return {
      ok: false,
      reason: 'cluster_mismatch',
      detail: `body clusterId ${result.data.clusterId} differs from subject's ${parsed.clusterId}`,
    };
  }
  return { ok: true, value: { clusterId: parsed.clusterId, seenAt, heartbeat: result.data } };
}

/** Keeps only the newest heartbeat per cluster: one row update each. */
export function latestPerCluster(heartbeats: AcceptedHeartbeat[]): AcceptedHeartbeat[] {
  const latest = new Map<string, AcceptedHeartbeat>();
  for (const h of heartbeats) {
    const prev = latest.get(h.clusterId);
    if (!prev || prev.seenAt.getTime() <= h.seenAt.getTime()) latest.set(h.clusterId, h);
  }
  return [...latest.values()];
}

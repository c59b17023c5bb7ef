/** Sorts one batch of agent messages by kind, validated and de-duplicated. Pure: no I/O. */
import { AgentMessageKind, subjects, type DriftReport, type SyncReport } from '@flotilla/protocol';
import { latestPerCluster, parseHeartbeat, type AcceptedHeartbeat, type RejectReason } from './heartbeat.parser.js';
import { inSeqOrder, parseReport } from './report.parser.js';

export interface Rejected {
  reason: RejectReason;
  detail: string;
}

export class AgentMessageBatch {
  private readonly heartbeatList: AcceptedHeartbeat[] = [];
  private readonly syncMap = new Map<string, { clusterId: string; report: SyncReport }>();
  private readonly driftMap = new Map<string, { clusterId: string; report: DriftReport }>();

  /** Adds a message; returns why it was rejected, or undefined when accepted. */
  add(subject: string, data: Uint8Array, receivedAt: Date): Rejected | undefined {
    const kind = subjects.parseAgent(subject)?.kind;
    if (kind === AgentMessageKind.Heartbeat) {
      const hb = parseHeartbeat(subject, data, receivedAt);
      if (!hb.ok) return hb;
      this.heartbeatList.push(hb.value);
      return undefined;
    }
    if (kind === AgentMessageKind.Sync || kind === AgentMessageKind.Drift) {
      const r = parseReport(subject, data);
      if (!r.ok) return r;
      // The first report with a seq is the one kept; a replay in the same batch is ignored like any other.
      const key = `${r.value.clusterId}:${r.value.report.seq}`;
      if (r.value.kind === 'sync') {
        if (!this.syncMap.has(key)) this.syncMap.set(key, r.value);
      } else if (!this.driftMap.has(key)) this.driftMap.set(key, r.value);
      return undefined;
    }
    if (kind) return { reason: 'unsupported_kind', detail: `no handler for agent message kind ${kind}` };
    return { reason: 'bad_subject', detail: `not an agent subject: ${subject}` };
  }

  /** The newest heartbeat per cluster. */
  heartbeats(): AcceptedHeartbeat[] {
    return latestPerCluster(this.heartbeatList);
  }

  /** Sync reports per cluster in seq order, each (cluster, seq) once. */
  syncs(): { clusterId: string; report: SyncReport }[] {
    return inSeqOrder([...this.syncMap.values()]);
  }

  drifts(): { clusterId: string; report: DriftReport }[] {
    return inSeqOrder([...this.driftMap.values()]);
  }

  get heartbeatCount(): number {
    return this.heartbeatList.length;
  }
}

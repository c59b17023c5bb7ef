import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FleetEvents } from '../fleet-events/fleet-events.js';
import { MetricsService } from '../health/metrics.service.js';
import type { AgentMessageBatch } from './agent-message.batch.js';
import { DriftReportWriter } from './drift-report.writer.js';
import { HeartbeatWriter } from './heartbeat.writer.js';
import { SyncReportWriter } from './sync-report.writer.js';

/**
 * Writes one batch: heartbeats, then sync and drift reports in one transaction; once committed,
 * announces what was new on FleetEvents (replays announce nothing).
 */
@Injectable()
export class IngestWriter {
  constructor(
    private readonly db: DataSource,
    private readonly heartbeats: HeartbeatWriter,
    private readonly syncs: SyncReportWriter,
    private readonly drifts: DriftReportWriter,
    private readonly events: FleetEvents,
    private readonly metrics: MetricsService,
  ) {}

  async write(batch: AgentMessageBatch): Promise<void> {
    const cameOnline = await this.heartbeats.write(batch.heartbeats());
    this.metrics.heartbeatsIngested.inc(batch.heartbeatCount);
    for (const id of cameOnline) this.events.publish('clusterStatusChanged', { clusterId: id });
    const syncs = batch.syncs();
    const drifts = batch.drifts();
    if (syncs.length === 0 && drifts.length === 0) return;
    const [newSyncs, newDrifts] = await this.db.transaction(
      async (m) => [await this.syncs.write(m, syncs), await this.drifts.write(m, drifts)] as const,
    );
    this.metrics.reportsIngested.inc({ kind: 'sync' }, newSyncs.length);
    this.metrics.reportsIngested.inc({ kind: 'drift' }, newDrifts.length);
    for (const s of newSyncs) this.events.publish('syncReported', s);
    for (const id of new Set(newSyncs.filter((s) => s.latest).map((s) => s.clusterId)))
      this.events.publish('clusterStatusChanged', { clusterId: id });
    for (const d of newDrifts) this.events.publish('driftDetected', d);
  }
}

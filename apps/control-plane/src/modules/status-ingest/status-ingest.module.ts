/** Agent status ingestion: heartbeats, sync and drift reports from JetStream into the database. */
import { Module } from '@nestjs/common';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module.js';
import { DeadLetterWriter } from './dead-letter.writer.js';
import { DriftReportWriter } from './drift-report.writer.js';
import { HeartbeatWriter } from './heartbeat.writer.js';
import { IngestWriter } from './ingest.writer.js';
import { StatusIngestService } from './status-ingest.service.js';
import { SyncReportWriter } from './sync-report.writer.js';

@Module({
  imports: [FleetRepoModule],
  providers: [
    DeadLetterWriter,
    HeartbeatWriter,
    SyncReportWriter,
    DriftReportWriter,
    IngestWriter,
    StatusIngestService,
  ],
})
export class StatusIngestModule {}

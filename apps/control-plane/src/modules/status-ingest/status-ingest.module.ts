/** Agent status ingestion: heartbeats from JetStream into the clusters table. */
import { Module } from '@nestjs/common';
import { HeartbeatWriter } from './heartbeat.writer.js';
import { StatusIngestService } from './status-ingest.service.js';

@Module({ providers: [HeartbeatWriter, StatusIngestService] })
export class StatusIngestModule {}

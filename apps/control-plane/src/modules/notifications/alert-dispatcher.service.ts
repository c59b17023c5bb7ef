import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SyncState } from '@flotilla/protocol';
import { DataSource } from 'typeorm';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { FleetEvents } from '../fleet-events/fleet-events.js';
import { IncidentGrouper, incidentKey, type Incident } from './alert-event.js';
import { slackBody, summarize, webhookBody } from './alert-message.js';
import { AlertClaims } from './alert-claims.js';
import { DeliveryWorker } from './delivery-worker.service.js';
import { NotificationTargetsService } from './notification-targets.service.js';

/**
 * Turns fleet events into alerts: drift, failed syncs (the cluster's latest report) and clusters
 * going offline are grouped into incidents over ALERT_GROUP_WINDOW_MS, then one delivery row
 * per subscribed target is written for the worker. A cluster that keeps failing the same way
 * alerts once, until a report that is not Failed. Listeners only buffer: ingest never waits.
 */
@Injectable()
export class AlertDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AlertDispatcher.name);
  private readonly grouper: IncidentGrouper;
  private readonly offs: (() => void)[] = [];
  private writing: Promise<void> = Promise.resolve();
  /**
   * Per cluster, the failure it was last alerted for and the offline episode, shared by all
   * replicas: an agent retrying the same failure alerts once, whichever replica ingests each
   * retry, and a cluster going offline alerts once, however many replicas' watchers notice.
   */
  private readonly claims: AlertClaims;
  /** Claims run one after another, in the order the events came. */
  private claiming: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: DataSource,
    private readonly events: FleetEvents,
    private readonly targets: NotificationTargetsService,
    private readonly worker: DeliveryWorker,
    @Inject(CONFIG) config: ControlPlaneConfig,
  ) {
    this.claims = new AlertClaims(db);
    this.grouper = new IncidentGrouper(config.ALERT_GROUP_WINDOW_MS, (incident) => {
      this.writing = this.writing
        .then(() => this.enqueue(incident))
        .catch((e: unknown) =>
          this.logger.error(`queueing alert "${summarize(incident)}" failed: ${(e as Error).message}`),
        );
    });
  }

  onApplicationBootstrap(): void {
    this.offs.push(
      this.events.on('driftDetected', (e) =>
        this.grouper.add({
          cause: { kind: 'drift_detected', object: e.report.object, fields: e.report.fields },
          cluster: {
            id: e.clusterId,
            name: e.clusterName,
            detail: {
              resolution: e.report.resolution,
              managers: e.report.managers,
              revision: e.report.revision,
              detectedAt: e.report.detectedAt,
            },
          },
        }),
      ),
      this.events.on('syncReported', (e) => {
        if (!e.latest) return;
        if (e.report.state !== SyncState.Failed)
          return this.inOrder(() => this.claims.release(e.clusterId, 'sync_failed'));
        const error = e.report.error ?? {
          stage: 'apply' as const,
          code: 'UNKNOWN',
          reason: 'the agent reported a failure without an error',
        };
        const cause = {
          kind: 'sync_failed' as const,
          error: { stage: error.stage, code: error.code, reason: error.reason },
        };
        this.inOrder(async () => {
          if (!(await this.claims.claim(e.clusterId, 'sync_failed', incidentKey(cause)))) return;
          this.grouper.add({
            cause,
            cluster: {
              id: e.clusterId,
              name: e.clusterName,
              detail: { revision: e.report.revision, file: e.report.error?.file ?? null },
            },
          });
        });
      }),
      this.events.on('clusterOffline', (e) =>
        this.inOrder(async () => {
          // One offline episode is one last_seen_at: every replica's watcher reads the same one.
          if (!(await this.claims.claim(e.clusterId, 'cluster_offline', e.lastSeenAt.toISOString()))) return;
          this.grouper.add({
            cause: { kind: 'cluster_offline' },
            cluster: { id: e.clusterId, name: e.clusterName, detail: { lastSeenAt: e.lastSeenAt.toISOString() } },
          });
        }),
      ),
    );
  }

  /** Queues a claim behind the earlier ones; a failed one is logged (no alert without its claim). */
  private inOrder(step: () => Promise<void>): void {
    this.claiming = this.claiming
      .then(step)
      .catch((e: unknown) => this.logger.error(`alert claim failed: ${(e as Error).message}`));
  }

  private async enqueue(incident: Incident): Promise<void> {
    const targetIds = await this.targets.subscribers(incident.cause.kind);
    if (targetIds.length === 0) return;
    const kinds = (await this.db.query(`SELECT id, kind FROM notification_targets WHERE id = ANY($1::uuid[])`, [
      targetIds,
    ])) as { id: string; kind: string }[];
    const names = incident.clusters.map((c) => c.name);
    for (const t of kinds) {
      const payload = t.kind === 'slack' ? slackBody(incident) : webhookBody(incident);
      await this.db.query(
        `INSERT INTO notification_deliveries (target_id, event, incident_key, summary, cluster_names, payload, status) VALUES ($1, $2, $3, $4, $5, $6, 'pending')`,
        [t.id, incident.cause.kind, incident.key, summarize(incident), names, JSON.stringify(payload)],
      );
    }
    this.logger.log(`alert queued for ${kinds.length} target(s): ${summarize(incident)}`);
    this.worker.wake();
  }

  async onModuleDestroy(): Promise<void> {
    for (const off of this.offs) off();
    await this.claiming;
    this.grouper.flushAll();
    await this.writing;
  }
}

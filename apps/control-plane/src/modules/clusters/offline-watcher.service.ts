import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { FleetEvents } from '../fleet-events/fleet-events.js';
import { MISSED_INTERVALS_OFFLINE } from './connection-state.js';
import { PARTICIPATING } from './cluster.entity.js';

/**
 * Notices clusters crossing into Offline (3 missed heartbeat intervals) or back, once per
 * heartbeat interval, and announces it on FleetEvents. Clusters already offline when the
 * control plane starts are not announced again.
 */
@Injectable()
export class OfflineWatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OfflineWatcher.name);
  private offline?: Set<string>;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;

  constructor(
    private readonly db: DataSource,
    private readonly events: FleetEvents,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  onApplicationBootstrap(): void {
    const every = Math.max(250, (this.config.HEARTBEAT_INTERVAL_SECONDS * 1000) / 2);
    this.timer = setInterval(() => {
      this.checking ??= this.check()
        .catch((e: unknown) => this.logger.error(`offline check failed: ${(e as Error).message}`))
        .finally(() => (this.checking = undefined));
    }, every);
  }

  private async check(): Promise<void> {
    const rows = (await this.db.query(
      `SELECT id, name, last_seen_at FROM clusters WHERE ${PARTICIPATING} AND last_seen_at < now() - make_interval(secs => $1)`,
      [MISSED_INTERVALS_OFFLINE * this.config.HEARTBEAT_INTERVAL_SECONDS],
    )) as { id: string; name: string; last_seen_at: Date }[];
    const now = new Set(rows.map((r) => r.id));
    const before = this.offline;
    this.offline = now;
    if (!before) return;
    for (const r of rows) {
      if (before.has(r.id)) continue;
      this.events.publish('clusterOffline', { clusterId: r.id, clusterName: r.name, lastSeenAt: r.last_seen_at });
      this.events.publish('clusterStatusChanged', { clusterId: r.id });
    }
    for (const id of before) if (!now.has(id)) this.events.publish('clusterStatusChanged', { clusterId: id });
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }
}

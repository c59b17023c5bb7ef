import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { MISSED_INTERVALS_OFFLINE } from '../clusters/connection-state.js';
import type { AcceptedHeartbeat } from './heartbeat.parser.js';

/** Writes a batch of heartbeats in one statement; older ones never overwrite newer state. */
@Injectable()
export class HeartbeatWriter {
  constructor(
    private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  /**
   * Unknown and deregistered clusters are skipped. Returns the ids of clusters that were
   * Pending or Offline before this heartbeat (their connection state changed).
   */
  async write(batch: AcceptedHeartbeat[]): Promise<string[]> {
    if (batch.length === 0) return [];
    const col = <T>(f: (h: AcceptedHeartbeat) => T) => batch.map(f);
    const rows = (await this.db.query(
      `WITH prev AS (SELECT id, last_seen_at FROM clusters WHERE id = ANY($1::uuid[])),
       updated AS (UPDATE clusters c
          SET last_seen_at = v.seen_at, kube_version = v.kube_version, agent_version = v.agent_version,
              provider = v.provider, region = v.region, node_count = v.node_count
         FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[])
           AS v(id, seen_at, kube_version, agent_version, provider, region, node_count)
        WHERE c.id = v.id AND c.deregistered_at IS NULL AND (c.last_seen_at IS NULL OR c.last_seen_at < v.seen_at)
        RETURNING c.id)
       SELECT u.id FROM updated u JOIN prev p ON p.id = u.id
        WHERE p.last_seen_at IS NULL OR p.last_seen_at < now() - make_interval(secs => $8)`,
      [
        col((h) => h.clusterId),
        col((h) => h.seenAt.toISOString()),
        col((h) => h.heartbeat.facts.kubeVersion),
        col((h) => h.heartbeat.facts.agentVersion),
        col((h) => h.heartbeat.facts.provider),
        col((h) => h.heartbeat.facts.region),
        col((h) => h.heartbeat.facts.nodeCount),
        MISSED_INTERVALS_OFFLINE * this.config.HEARTBEAT_INTERVAL_SECONDS,
      ],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }
}

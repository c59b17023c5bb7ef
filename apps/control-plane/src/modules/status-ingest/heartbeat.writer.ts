import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AcceptedHeartbeat } from './heartbeat.parser.js';

/** Writes a batch of heartbeats in one statement; older ones never overwrite newer state. */
@Injectable()
export class HeartbeatWriter {
  constructor(private readonly db: DataSource) {}

  /** Returns how many clusters were updated (unknown and deregistered clusters are skipped). */
  async write(batch: AcceptedHeartbeat[]): Promise<number> {
    if (batch.length === 0) return 0;
    const col = <T>(f: (h: AcceptedHeartbeat) => T) => batch.map(f);
    const [result] = (await this.db.query(
      `WITH updated AS (UPDATE clusters c
          SET last_seen_at = v.seen_at, kube_version = v.kube_version, agent_version = v.agent_version,
              provider = v.provider, region = v.region, node_count = v.node_count
         FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[])
           AS v(id, seen_at, kube_version, agent_version, provider, region, node_count)
        WHERE c.id = v.id AND c.deregistered_at IS NULL AND (c.last_seen_at IS NULL OR c.last_seen_at < v.seen_at)
        RETURNING c.id)
       SELECT count(*)::int AS n FROM updated`,
      [
        col((h) => h.clusterId),
        col((h) => h.seenAt.toISOString()),
        col((h) => h.heartbeat.facts.kubeVersion),
        col((h) => h.heartbeat.facts.agentVersion),
        col((h) => h.heartbeat.facts.provider),
        col((h) => h.heartbeat.facts.region),
        col((h) => h.heartbeat.facts.nodeCount),
      ],
    )) as { n: number }[];
    return result?.n ?? 0;
  }
}

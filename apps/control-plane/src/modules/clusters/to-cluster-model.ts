import type { Cluster } from './cluster.entity.js';
import { connectionStateOf } from './connection-state.js';
import type { ClusterModel } from './models/cluster.model.js';

/** The GraphQL view of a cluster row. */
export function toClusterModel(c: Cluster, heartbeatIntervalSeconds: number): ClusterModel {
  return {
    id: c.id,
    name: c.name,
    tags: c.tags,
    connection: connectionStateOf(c.lastSeenAt, heartbeatIntervalSeconds),
    lastSeenAt: c.lastSeenAt,
    admission: c.admission,
    credentialExpiresAt: c.credentialExpiresAt,
    approvedAt: c.approvedAt,
    registeredAt: c.registeredAt,
    facts: {
      kubeVersion: c.kubeVersion,
      agentVersion: c.agentVersion,
      provider: c.provider,
      region: c.region,
      nodeCount: c.nodeCount,
    },
  };
}

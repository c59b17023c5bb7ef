/** The cluster fields the CLI asks for, shared by `clusters list` and `clusters show`. */
export const CLUSTER_FIELDS = 'id name connection tags registeredAt lastSeenAt facts { kubeVersion agentVersion provider region nodeCount }';

export interface ClusterView {
  id: string;
  name: string;
  connection: string;
  tags: string[];
  registeredAt: string;
  lastSeenAt: string | null;
  facts: { kubeVersion: string; agentVersion: string; provider: string; region: string; nodeCount: number };
}

/** The cluster fields the CLI asks for, shared by `clusters list` and `clusters show`. */
export const CLUSTER_FIELDS = `id name connection tags registeredAt lastSeenAt
  facts { kubeVersion agentVersion provider region nodeCount }
  sync { state health revision appliedRevision }`;

export const CLUSTER_DETAIL_FIELDS = `id name connection admission credentialExpiresAt tags registeredAt lastSeenAt
  facts { kubeVersion agentVersion provider region nodeCount }
  sync { state health revision appliedRevision path branch prune selfHeal
    lastResult { state finishedAt durationMs error { stage code reason file } } }`;

export interface ClusterView {
  id: string;
  name: string;
  connection: string;
  admission?: string;
  credentialExpiresAt?: string | null;
  tags: string[];
  registeredAt: string;
  lastSeenAt: string | null;
  facts: { kubeVersion: string; agentVersion: string; provider: string; region: string; nodeCount: number };
  sync: {
    state: string;
    health: string;
    revision: string | null;
    appliedRevision: string | null;
    path?: string;
    branch?: string;
    prune?: boolean;
    selfHeal?: boolean;
    lastResult?: {
      state: string;
      finishedAt: string;
      durationMs: number;
      error: { stage: string; code: string; reason: string; file: string | null } | null;
    } | null;
  };
}

export const shortRev = (rev: string | null | undefined) => (rev ? rev.slice(0, 12) : '-');

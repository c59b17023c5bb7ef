/**
 * Every NATS subject, stream, bucket and permission set Flotilla uses, defined once.
 *
 * Agent → hub traffic is published on `flotilla.v1.agent.<clusterId>.<kind>` and captured by
 * the JetStream stream AGENT_STREAM, so nothing is lost while the hub restarts.
 * Hub → agent desired state is a last-value KV bucket keyed by cluster id.
 */

export const SUBJECT_ROOT = 'flotilla.v1';

/** Kinds of agent → hub message. */
export const AgentMessageKind = {
  Heartbeat: 'heartbeat',
  Sync: 'sync',
  Drift: 'drift',
  Event: 'event',
} as const;
export type AgentMessageKind = (typeof AgentMessageKind)[keyof typeof AgentMessageKind];

/** JetStream stream that captures everything agents publish. */
export const AGENT_STREAM = 'FLOTILLA_AGENT';
/** Durable consumer the control plane reads AGENT_STREAM with. */
export const AGENT_CONSUMER = 'control-plane';
/** KV bucket holding each cluster's desired state (key = cluster id). */
export const DESIRED_BUCKET = 'flotilla-desired';

/** Cluster ids are UUIDs; anything else must never reach a subject. */
const CLUSTER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function assertClusterId(clusterId: string): string {
  if (!CLUSTER_ID.test(clusterId)) throw new Error(`not a cluster id: ${JSON.stringify(clusterId)}`);
  return clusterId;
}

export const subjects = {
  /** Wildcard the stream captures. */
  agentAll: `${SUBJECT_ROOT}.agent.>`,
  /** Everything one agent may publish. */
  agentOwn: (clusterId: string) => `${SUBJECT_ROOT}.agent.${assertClusterId(clusterId)}.>`,
  agent: (clusterId: string, kind: AgentMessageKind) => `${SUBJECT_ROOT}.agent.${assertClusterId(clusterId)}.${kind}`,
  /** Parses `flotilla.v1.agent.<id>.<kind>`; undefined when the subject is not an agent subject. */
  parseAgent(subject: string): { clusterId: string; kind: string } | undefined {
    const parts = subject.split('.');
    if (parts.length !== 5 || `${parts[0]}.${parts[1]}` !== SUBJECT_ROOT || parts[2] !== 'agent') return undefined;
    if (!CLUSTER_ID.test(parts[3]!)) return undefined;
    return { clusterId: parts[3]!, kind: parts[4]! };
  },
  /** The KV subject a desired-state value is stored on (what a core subscriber sees on put). */
  desired: (clusterId: string) => `$KV.${DESIRED_BUCKET}.${assertClusterId(clusterId)}`,
  /** The JetStream direct-get subject that reads one cluster's last desired value. */
  desiredDirectGet: (clusterId: string) =>
    `$JS.API.DIRECT.GET.KV_${DESIRED_BUCKET}.$KV.${DESIRED_BUCKET}.${assertClusterId(clusterId)}`,
  /** Each agent's private reply-inbox prefix (never the shared `_INBOX`). */
  agentInboxPrefix: (clusterId: string) => `_INBOX_${assertClusterId(clusterId).replace(/-/g, '')}`,
  /** The control plane's reply-inbox prefix. */
  hubInboxPrefix: '_INBOX_HUB',
} as const;

export interface NatsPermissions {
  pub: { allow: string[] };
  sub: { allow: string[] };
}

/**
 * What an agent's NATS identity may do: publish only its own subjects (JetStream acks come
 * back to its own inbox), read only its own desired state. The NATS server enforces it.
 */
export function agentPermissions(clusterId: string): NatsPermissions {
  const inbox = subjects.agentInboxPrefix(clusterId);
  return {
    pub: { allow: [subjects.agentOwn(clusterId), subjects.desiredDirectGet(clusterId)] },
    sub: { allow: [subjects.desired(clusterId), `${inbox}.>`] },
  };
}

/** What the control plane's own NATS identity may do. */
export function hubPermissions(): NatsPermissions {
  return {
    pub: { allow: ['$JS.API.>', `$KV.${DESIRED_BUCKET}.>`, '$JS.ACK.>', `${SUBJECT_ROOT}.hub.>`] },
    sub: { allow: [`${subjects.hubInboxPrefix}.>`, `${SUBJECT_ROOT}.hub.>`] },
  };
}

/**
 * Every NATS subject, stream, bucket and permission set Flotilla uses, defined once.
 *
 * Agents never address JetStream: NATS checks the subject of a publish but not its reply
 * subject, and JetStream answers to whatever reply subject a client names (into another KV key,
 * or onto `$JS.API.STREAM.PURGE.…`). So an agent sends requests on
 * `flotilla.v1.relay.<clusterId>.<kind>`, which no stream captures and only the hub's relay
 * (queue group RELAY_QUEUE) answers; the relay validates each one, writes it to
 * `flotilla.v1.agent.<clusterId>.<kind>` in the JetStream stream AGENT_STREAM itself, and replies
 * only into that agent's own inbox. Hub → agent desired state is a last-value KV bucket keyed by
 * cluster id: the agent reads it through the relay and subscribes to its own key's subject.
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

/** Kinds of agent → relay request: the message kinds plus a read of the agent's desired state. */
export const RelayKind = { ...AgentMessageKind, Desired: 'desired' } as const;
export type RelayKind = (typeof RelayKind)[keyof typeof RelayKind];

/** Queue group of the hub's relay: each request is answered by one hub replica. */
export const RELAY_QUEUE = 'flotilla-relay';

/** JetStream stream that holds everything the relay accepted from agents. */
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
  /** Wildcard the stream captures (only the hub publishes here). */
  agentAll: `${SUBJECT_ROOT}.agent.>`,
  /** One cluster's subjects in the stream. */
  agentOwn: (clusterId: string) => `${SUBJECT_ROOT}.agent.${assertClusterId(clusterId)}.>`,
  agent: (clusterId: string, kind: AgentMessageKind) => `${SUBJECT_ROOT}.agent.${assertClusterId(clusterId)}.${kind}`,
  /** Parses `flotilla.v1.agent.<id>.<kind>`; undefined when the subject is not an agent subject. */
  parseAgent(subject: string): { clusterId: string; kind: string } | undefined {
    const parts = subject.split('.');
    if (parts.length !== 5 || `${parts[0]}.${parts[1]}` !== SUBJECT_ROOT || parts[2] !== 'agent') return undefined;
    if (!CLUSTER_ID.test(parts[3]!)) return undefined;
    return { clusterId: parts[3]!, kind: parts[4]! };
  },
  /** Wildcard the relay subscribes to (queue group RELAY_QUEUE); no stream captures it. */
  relayAll: `${SUBJECT_ROOT}.relay.*.*`,
  /** Everything one agent may publish. */
  relayOwn: (clusterId: string) => `${SUBJECT_ROOT}.relay.${assertClusterId(clusterId)}.>`,
  relay: (clusterId: string, kind: RelayKind) => `${SUBJECT_ROOT}.relay.${assertClusterId(clusterId)}.${kind}`,
  /** Parses `flotilla.v1.relay.<id>.<kind>`; undefined when the subject is not a relay subject. */
  parseRelay(subject: string): { clusterId: string; kind: string } | undefined {
    const parts = subject.split('.');
    if (parts.length !== 5 || `${parts[0]}.${parts[1]}` !== SUBJECT_ROOT || parts[2] !== 'relay') return undefined;
    if (!CLUSTER_ID.test(parts[3]!)) return undefined;
    return { clusterId: parts[3]!, kind: parts[4]! };
  },
  /** The KV subject a desired-state value is stored on (what a core subscriber sees on put). */
  desired: (clusterId: string) => `$KV.${DESIRED_BUCKET}.${assertClusterId(clusterId)}`,
  /** The JetStream direct-get subject that reads one cluster's last desired value (the hub's, never an agent's). */
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
  /**
   * Allow publishing to the reply subject of each received message (`allow_responses`): at most
   * `max` replies within `ttlMs`. The hub's relay needs it to answer agents' inboxes; its own
   * code checks that a reply subject is the sender's inbox before it answers.
   */
  resp?: { max: number; ttlMs: number };
}

/**
 * What an agent's NATS identity may do: publish only its own relay subjects (answered by the
 * hub's code, never by JetStream), subscribe only to its own desired-state key and its own
 * inbox. No JetStream or KV subject at all. The NATS server enforces it.
 */
export function agentPermissions(clusterId: string): NatsPermissions {
  const inbox = subjects.agentInboxPrefix(clusterId);
  return {
    pub: { allow: [subjects.relayOwn(clusterId)] },
    sub: { allow: [subjects.desired(clusterId), `${inbox}.>`] },
  };
}

/**
 * What the user of a leaf node at an edge site may carry over its link to the hub cluster. In: only
 * the site's clusters' desired-state keys and inboxes (nothing of other clusters, the hub's inbox or
 * JetStream). Out: relay requests. nats-server 2.9 forwards the hub relay's wildcard subscription
 * (`flotilla.v1.relay.*.*`) to a leaf only when the leaf's user may publish to all of it, so the
 * out side cannot be narrowed to the site's clusters: each agent is still held to its own relay
 * subjects by the leaf (its own JWT), but a compromised edge server could send requests in another
 * cluster's name (never read their answers). See infra/TOPOLOGY.md.
 */
export function leafPermissions(clusterIds: readonly string[]): NatsPermissions {
  if (clusterIds.length === 0) throw new Error('a leaf node needs the ids of the clusters at its site');
  return {
    pub: { allow: [subjects.relayAll] },
    sub: {
      allow: clusterIds.flatMap((id) => [subjects.desired(id), `${subjects.agentInboxPrefix(id)}.>`]),
    },
  };
}

/** What the control plane's own NATS identity may do (it writes agents' messages to the stream itself). */
export function hubPermissions(): NatsPermissions {
  return {
    pub: {
      allow: ['$JS.API.>', `$KV.${DESIRED_BUCKET}.>`, '$JS.ACK.>', subjects.agentAll, `${SUBJECT_ROOT}.hub.>`],
    },
    sub: { allow: [`${subjects.hubInboxPrefix}.>`, `${SUBJECT_ROOT}.hub.>`, `${SUBJECT_ROOT}.relay.>`] },
    resp: { max: 1, ttlMs: 60_000 },
  };
}

/** A minimal simulated agent for tests: registers, then publishes over JetStream as its own NATS user. */
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { eventually as pollUntil, type NatsCreds, scaled } from '@flotilla/testing';
import {
  agentPermissions,
  DesiredState,
  PROTOCOL_VERSION,
  RegisterResponse,
  subjects,
  type AgentMessageKind,
} from '@flotilla/protocol';
import { FACTS, registration, type Harness } from './harness.js';

export interface TestAgent {
  clusterId: string;
  creds: NatsCreds;
  nc: NatsConnection;
  js: JetStreamClient;
  heartbeat(facts?: Partial<typeof FACTS>, body?: Record<string, unknown>): Promise<void>;
  publishRaw(data: string | Uint8Array, kind?: AgentMessageKind): Promise<void>;
  /** Publishes a report body as-is (no msgID, so a replay reaches the control plane). */
  report(kind: 'sync' | 'drift', body: object): Promise<void>;
  close(): Promise<void>;
}

export async function registerAgent(
  h: Harness,
  token: string,
  name: string,
  connectOptions: Partial<NodeConnectionOptions> = {},
): Promise<TestAgent> {
  const { body, key } = registration(token, name);
  const res = await h.register(body);
  if (res.status !== 201) throw new Error(`registration of ${name} failed: ${res.status} ${await res.text()}`);
  const reply = RegisterResponse.parse(await res.json());
  const creds = { jwt: reply.nats.jwt, seed: key.seed, publicKey: key.publicKey, inboxPrefix: reply.nats.inboxPrefix };
  const nc = await h.nats.connect(creds, connectOptions);
  const js = jetstream(nc);
  const subject = subjects.agent(reply.clusterId, 'heartbeat');
  let seq = 0;
  return {
    clusterId: reply.clusterId,
    creds,
    nc,
    js,
    async heartbeat(facts = {}, extra = {}) {
      const hb = {
        protocol: PROTOCOL_VERSION,
        clusterId: reply.clusterId,
        sentAt: new Date().toISOString(),
        seq: seq++,
        facts: { ...FACTS, ...facts },
        ...extra,
      };
      await js.publish(subject, JSON.stringify(hb));
    },
    async publishRaw(data, kind = 'heartbeat') {
      await js.publish(subjects.agent(reply.clusterId, kind), data);
    },
    async report(kind, body) {
      await js.publish(subjects.agent(reply.clusterId, kind), JSON.stringify(body));
    },
    close: () => nc.close(),
  };
}

/** Polls `fn` until it returns a truthy value; the deadline stretches with the machine's load (libs/testing). */
export function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  return pollUntil(fn, { timeoutMs, what }) as Promise<T>;
}

/** Reads a cluster's desired state the way its agent does: a direct get as the agent's own NATS user. */
export async function readAsAgent(h: Harness, clusterId: string): Promise<DesiredState | 'none'> {
  const creds = await h.nats.userFor(agentPermissions(clusterId), {
    inboxPrefix: subjects.agentInboxPrefix(clusterId),
  });
  const nc: NatsConnection = await h.nats.connect(creds);
  try {
    const msg = await nc.request(subjects.desiredDirectGet(clusterId), undefined, { timeout: scaled(2000) });
    if (msg.headers?.code === 404) return 'none';
    // A deleted key reads back as its delete marker, as the agent sees it.
    if (['DEL', 'PURGE'].includes(msg.headers?.get('KV-Operation') ?? '')) return 'none';
    return DesiredState.parse(msg.json());
  } finally {
    await nc.close();
  }
}

/**
 * A minimal simulated agent for tests: registers, then sends over NATS as its own user, the way
 * the real agent does: requests to the hub's relay, answered in its own inbox.
 */
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { eventually as pollUntil, type NatsCreds } from '@flotilla/testing';
import {
  DesiredState,
  PROTOCOL_VERSION,
  RegisterResponse,
  RelayReply,
  agentPermissions,
  subjects,
  type RelayKind,
} from '@flotilla/protocol';
import { FACTS, registration, type Harness } from './harness.js';

export interface TestAgent {
  clusterId: string;
  creds: NatsCreds;
  nc: NatsConnection;
  /** Sends a heartbeat through the relay; throws unless the relay stored it. */
  heartbeat(facts?: Partial<typeof FACTS>, body?: Record<string, unknown>): Promise<void>;
  /** A heartbeat body as heartbeat() sends it (the next seq). */
  heartbeatBody(facts?: Partial<typeof FACTS>, body?: Record<string, unknown>): Record<string, unknown>;
  /** Sends anything on one of its relay subjects and returns the relay's answer, refusals included. */
  send(kind: RelayKind, data: string | Uint8Array | object): Promise<RelayReply>;
  /** Sends a report body as-is through the relay; throws unless the relay stored it. */
  report(kind: 'sync' | 'drift', body: object): Promise<void>;
  /** Reads its own desired state through the relay, as the agent does (undefined when none). */
  desired(): Promise<DesiredState | undefined>;
  close(): Promise<void>;
}

/** Sends one request to the relay as `nc` and reads the answer. */
export async function relayRequest(
  nc: NatsConnection,
  clusterId: string,
  kind: RelayKind,
  data: string | Uint8Array | object,
  timeoutMs = 5000,
): Promise<RelayReply> {
  const payload = typeof data === 'string' || data instanceof Uint8Array ? data : JSON.stringify(data);
  const msg = await nc.request(subjects.relay(clusterId, kind), payload, { timeout: timeoutMs });
  return RelayReply.parse(msg.json());
}

const stored = (reply: RelayReply, what: string): void => {
  if (!reply.ok) throw new Error(`the relay refused the ${what} (${reply.code}): ${reply.error}`);
};

export function testAgent(clusterId: string, creds: NatsCreds, nc: NatsConnection): TestAgent {
  let seq = 0;
  const agent: TestAgent = {
    clusterId,
    creds,
    nc,
    heartbeatBody: (facts = {}, extra = {}) => ({
      protocol: PROTOCOL_VERSION,
      clusterId,
      sentAt: new Date().toISOString(),
      seq: seq++,
      facts: { ...FACTS, ...facts },
      ...extra,
    }),
    async heartbeat(facts = {}, extra = {}) {
      stored(await agent.send('heartbeat', agent.heartbeatBody(facts, extra)), 'heartbeat');
    },
    send: (kind, data) => relayRequest(nc, clusterId, kind, data),
    async report(kind, body) {
      stored(await agent.send(kind, body), `${kind} report`);
    },
    async desired() {
      const reply = await agent.send('desired', '');
      stored(reply, 'desired-state read');
      return (reply.ok && reply.desired) || undefined;
    },
    close: () => nc.close(),
  };
  return agent;
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
  return testAgent(reply.clusterId, creds, await h.nats.connect(creds, connectOptions));
}

/** Polls `fn` until it returns a truthy value; the deadline stretches with the machine's load (libs/testing). */
export function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  return pollUntil(fn, { timeoutMs, what }) as Promise<T>;
}

/** Reads a cluster's desired state the way its agent does: through the relay, as the agent's own NATS user. */
export async function readAsAgent(h: Harness, clusterId: string): Promise<DesiredState | 'none'> {
  const creds = await h.nats.userFor(agentPermissions(clusterId), {
    inboxPrefix: subjects.agentInboxPrefix(clusterId),
  });
  const nc: NatsConnection = await h.nats.connect(creds);
  try {
    return (await testAgent(clusterId, { ...creds }, nc).desired()) ?? 'none';
  } finally {
    await nc.close();
  }
}

/** What the relay does with one request, decided from its subject, reply subject and body. Pure: no I/O. */
import {
  AgentMessageKind,
  DriftReport,
  Heartbeat,
  RELAY_MAX_PAYLOAD_BYTES,
  RelayKind,
  RelayRefusal,
  SyncReport,
  describeZodError,
  isOwnInbox,
  reportMsgId,
  subjects,
  type RelayRefused,
} from '@flotilla/protocol';
import type { z } from 'zod';

/** Why a request was dropped without any answer. */
export type RelayDropReason = 'bad_subject' | 'foreign_reply';

export type RelayDecision =
  | { action: 'drop'; reason: RelayDropReason; detail: string }
  | { action: 'refuse'; clusterId: string; reply: string; refusal: RelayRefused }
  | {
      action: 'store';
      clusterId: string;
      kind: AgentMessageKind;
      reply: string;
      streamSubject: string;
      msgId?: string;
      data: Uint8Array;
    }
  | { action: 'read-desired'; clusterId: string; reply: string };

const SCHEMAS: Partial<Record<string, z.ZodType<{ clusterId: string; seq: number }>>> = {
  [AgentMessageKind.Heartbeat]: Heartbeat,
  [AgentMessageKind.Sync]: SyncReport,
  [AgentMessageKind.Drift]: DriftReport,
};

const refuse = (code: RelayRefusal, error: string, retryable = false): RelayRefused => ({
  ok: false,
  code,
  error: error.slice(0, 4096),
  retryable,
});

/**
 * Decides what to do with a request on `flotilla.v1.relay.<clusterId>.<kind>`. The subject's
 * cluster id is the sender's (the NATS server lets an agent publish only on its own relay
 * subjects); a reply subject outside that agent's own inbox is never answered.
 */
export function decide(msg: { subject: string; reply?: string; data: Uint8Array }): RelayDecision {
  const parsed = subjects.parseRelay(msg.subject);
  if (!parsed) return { action: 'drop', reason: 'bad_subject', detail: `not a relay subject: ${msg.subject}` };
  const { clusterId, kind } = parsed;
  if (!isOwnInbox(msg.reply, clusterId))
    return {
      action: 'drop',
      reason: 'foreign_reply',
      detail: `reply subject ${JSON.stringify(msg.reply?.slice(0, 200) ?? null)} is not ${clusterId}'s own inbox`,
    };
  const reply = msg.reply!;
  if (msg.data.length > RELAY_MAX_PAYLOAD_BYTES)
    return {
      action: 'refuse',
      clusterId,
      reply,
      refusal: refuse(
        RelayRefusal.TooLarge,
        `body is ${msg.data.length} bytes; the limit is ${RELAY_MAX_PAYLOAD_BYTES}`,
      ),
    };
  if (kind === RelayKind.Desired) return { action: 'read-desired', clusterId, reply };
  const schema = SCHEMAS[kind];
  if (!schema)
    return {
      action: 'refuse',
      clusterId,
      reply,
      refusal: refuse(RelayRefusal.UnsupportedKind, `no schema for agent message kind ${JSON.stringify(kind)}`),
    };
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(msg.data));
  } catch {
    return { action: 'refuse', clusterId, reply, refusal: refuse(RelayRefusal.Invalid, 'body is not UTF-8 JSON') };
  }
  const result = schema.safeParse(body);
  if (!result.success)
    return {
      action: 'refuse',
      clusterId,
      reply,
      refusal: refuse(RelayRefusal.Invalid, `${kind}: ${describeZodError(result.error)}`),
    };
  if (result.data.clusterId !== clusterId)
    return {
      action: 'refuse',
      clusterId,
      reply,
      refusal: refuse(
        RelayRefusal.ClusterMismatch,
        `body clusterId ${result.data.clusterId} differs from the sender's ${clusterId}`,
      ),
    };
  return {
    action: 'store',
    clusterId,
    kind: kind as AgentMessageKind,
    reply,
    streamSubject: subjects.agent(clusterId, kind as AgentMessageKind),
    // Reports are de-duplicated by (cluster, seq); the id is derived here, never taken from the agent.
    ...(kind === AgentMessageKind.Heartbeat ? {} : { msgId: reportMsgId(clusterId, result.data.seq) }),
    data: msg.data,
  };
}

/**
 * The agent ↔ relay request/reply contract. An agent sends each message as a request on
 * `subjects.relay(clusterId, kind)`; the hub's relay answers with a RelayReply, and only into the
 * sending agent's own inbox (`isOwnInbox`).
 */
import { z } from 'zod';
import { DesiredState } from './messages.js';
import { subjects } from './subjects.js';

/** Largest request body the relay accepts (nats-server's default max_payload is 1 MiB too). */
export const RELAY_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Why the relay refused a request. `retryable` ones may succeed when sent again. */
export const RelayRefusal = {
  /** Not JSON, or fails the message schema. */
  Invalid: 'invalid',
  /** The body names another cluster than the subject (which the NATS server vouches for). */
  ClusterMismatch: 'cluster_mismatch',
  /** A kind the relay has no schema for. */
  UnsupportedKind: 'unsupported_kind',
  TooLarge: 'too_large',
  /** The relay has too many requests in flight; retry after a backoff. */
  Busy: 'busy',
  /** JetStream did not acknowledge in time; retry. */
  Unavailable: 'unavailable',
} as const;
export type RelayRefusal = (typeof RelayRefusal)[keyof typeof RelayRefusal];

export const RelayAccepted = z
  .object({
    ok: z.literal(true),
    /** Stream sequence of the stored message (absent for a desired-state read). */
    streamSeq: z.number().int().nonnegative().optional(),
    /** True when the stream already held this report (a resend after a lost reply). */
    duplicate: z.boolean().optional(),
    /** For a desired-state read: the current value, or null when there is none. */
    desired: DesiredState.nullable().optional(),
  })
  .strict();
export type RelayAccepted = z.infer<typeof RelayAccepted>;

export const RelayRefused = z
  .object({
    ok: z.literal(false),
    code: z.enum(Object.values(RelayRefusal) as [RelayRefusal, ...RelayRefusal[]]),
    error: z.string().max(4096),
    retryable: z.boolean(),
  })
  .strict();
export type RelayRefused = z.infer<typeof RelayRefused>;

export const RelayReply = z.discriminatedUnion('ok', [RelayAccepted, RelayRefused]);
export type RelayReply = z.infer<typeof RelayReply>;

/** Reply tokens the nats.js client makes: letters, digits, `_` and `-` (no wildcards, no spaces). */
const INBOX_TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * True only for a concrete subject inside this cluster's own inbox: `<prefix>.<token>[.<token>…]`.
 * Wildcards (`*`, `>`), empty tokens and every other prefix (`$KV.…`, `$JS.…`, `$SYS.…`, another
 * agent's inbox, the hub's) are refused.
 */
export function isOwnInbox(reply: string | undefined, clusterId: string): boolean {
  if (!reply || reply.length > 256) return false;
  const tokens = reply.split('.');
  if (tokens[0] !== subjects.agentInboxPrefix(clusterId) || tokens.length < 2) return false;
  return tokens.slice(1).every((t) => INBOX_TOKEN.test(t));
}

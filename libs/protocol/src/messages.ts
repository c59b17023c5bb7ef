/**
 * Message schemas (zod) for everything that crosses the wire between hub and agent.
 * Every message carries `protocol`, validated on the way in.
 */
import { fromPublic } from '@nats-io/nkeys';
import { z } from 'zod';
import { pgDatetime, pgText } from './storable.js';
import { PROTOCOL_VERSION } from './version.js';

const protocol = z.literal(PROTOCOL_VERSION);
const clusterName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and -');
const tag = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-zA-Z0-9]([-_.a-zA-Z0-9]*[a-zA-Z0-9])?$/, 'must be letters, digits, -, _ or .');

export const ClusterName = clusterName;

/** True when the nkey's CRC-16 checksum holds (a well-formed key with one character changed fails it). */
function nkeyChecksumValid(key: string): boolean {
  try {
    fromPublic(key);
    return true;
  } catch {
    return false;
  }
}

/** A NATS user public key: `U` + 55 base32 characters whose checksum holds. */
export const NatsUserPublicKey = z
  .string()
  .regex(/^U[A-Z2-7]{55}$/, 'must be a NATS user public key')
  .refine(nkeyChecksumValid, 'is not a valid NATS user public key (bad checksum)');
export const Tag = tag;

/** Facts an agent reports about its cluster. */
export const ClusterFacts = z.object({
  kubeVersion: pgText(64).min(1),
  agentVersion: pgText(64).min(1),
  provider: pgText(64).default('unknown'),
  region: pgText(64).default('unknown'),
  nodeCount: z.number().int().min(0).max(1_000_000),
});
export type ClusterFacts = z.infer<typeof ClusterFacts>;

/** POST /v1/register request body. */
export const RegisterRequest = z
  .object({
    protocol: protocol.default(PROTOCOL_VERSION),
    token: z.string().min(1).max(512),
    name: clusterName,
    /** The agent's NATS user public key (nkey, starts with U). Its seed never leaves the agent. */
    natsPublicKey: NatsUserPublicKey,
    facts: ClusterFacts,
  })
  .strict();
export type RegisterRequest = z.infer<typeof RegisterRequest>;

/** POST /v1/register response body. */
export const RegisterResponse = z.object({
  protocol,
  clusterId: z.string().uuid(),
  nats: z.object({
    url: z.string().min(1),
    /** User JWT for the agent's public key, signed by the Flotilla account. */
    jwt: z.string().min(1),
    inboxPrefix: z.string().min(1),
  }),
  heartbeatIntervalSeconds: z.number().int().positive(),
});
export type RegisterResponse = z.infer<typeof RegisterResponse>;

/** Agent → hub, every heartbeat interval. */
export const Heartbeat = z
  .object({
    protocol,
    clusterId: z.string().uuid(),
    sentAt: pgDatetime(),
    seq: z.number().int().nonnegative(),
    facts: ClusterFacts,
  })
  .strict();
export type Heartbeat = z.infer<typeof Heartbeat>;

const UNSAFE_POINTER_TOKENS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A fleet-wide ignore rule (fleet.yaml `ignore:`, resolved per cluster by the hub): on the objects
 * `match` covers, drift in the fields at `fields` (JSON pointers) or owned by `managers` is not
 * drift. Refused here when a pointer is not one or names __proto__, constructor or prototype.
 */
export const IgnoreRule = z
  .object({
    match: z
      .object({
        group: z.string().max(253).optional(),
        kind: z.string().min(1).max(63).optional(),
        namespace: z.string().min(1).max(63).optional(),
        name: z.string().min(1).max(253).optional(),
      })
      .strict()
      .optional(),
    fields: z
      .array(
        z
          .string()
          .min(1)
          .max(512)
          .refine(
            (p) =>
              p.startsWith('/') &&
              !p
                .slice(1)
                .split('/')
                .some((t) => UNSAFE_POINTER_TOKENS.has(t.replace(/~1/g, '/').replace(/~0/g, '~'))),
            'must be a JSON pointer starting with "/", without __proto__, constructor or prototype',
          ),
      )
      .max(50),
    managers: z.array(z.string().min(1).max(128)).max(50),
  })
  .strict();
export type IgnoreRule = z.infer<typeof IgnoreRule>;

/** Hub → agent, last value per cluster in the desired-state bucket. */
export const DesiredState = z
  .object({
    protocol,
    clusterId: z.string().uuid(),
    repoUrl: z.string().min(1),
    branch: z.string().min(1),
    path: z.string().min(1),
    revision: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full commit SHA'),
    prune: z.boolean(),
    selfHeal: z.boolean(),
    updatedAt: z.string().datetime(),
    /** Fields that belong to other writers on this cluster (fleet.yaml `ignore:`); absent: none. */
    ignore: z.array(IgnoreRule).max(100).optional(),
  })
  .strict();
export type DesiredState = z.infer<typeof DesiredState>;

/** Turns a zod error into one line naming every bad field. */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/**
 * POST /v1/agent/renew: the agent asks for a fresh NATS JWT and proves it holds the key the
 * cluster registered with by signing `renewalSigningInput(request)` with its nkey seed.
 */
export const RenewRequest = z
  .object({
    protocol: protocol.default(PROTOCOL_VERSION),
    clusterId: z.string().uuid(),
    natsPublicKey: NatsUserPublicKey,
    /** When the agent signed; the hub refuses one too far from its clock, or not newer than the last. */
    signedAt: z.string().datetime(),
    nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be 16-64 base64url characters'),
    /** Ed25519 signature (base64url) of renewalSigningInput by the agent's nkey. */
    signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a base64url Ed25519 signature'),
  })
  .strict();
export type RenewRequest = z.infer<typeof RenewRequest>;

/** The exact bytes an agent signs to renew: a fixed context line, then every field but the signature. */
export function renewalSigningInput(
  r: Pick<RenewRequest, 'clusterId' | 'natsPublicKey' | 'signedAt' | 'nonce'>,
): string {
  return ['flotilla-credential-renewal-v1', r.clusterId, r.natsPublicKey, r.signedAt, r.nonce].join('\n');
}

/** POST /v1/agent/renew response body. */
export const RenewResponse = z.object({
  protocol,
  /** A new user JWT for the same key and the same permissions. */
  jwt: z.string().min(1),
  expiresAt: z.string().datetime(),
});
export type RenewResponse = z.infer<typeof RenewResponse>;

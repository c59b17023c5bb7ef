/**
 * Proof of possession for credential renewal: the agent signs the renewal request with the
 * nkey seed it registered with; the hub checks that signature against the public key.
 */
import { randomBytes } from 'node:crypto';
import { fromPublic } from '@nats-io/nkeys';
import { renewalSigningInput, PROTOCOL_VERSION, type RenewRequest } from '@flotilla/protocol';
import { keyPairFromSeed } from './trust.js';

const encoder = new TextEncoder();

/** A signed renewal request for `clusterId`, made with the agent's user seed. */
export function signRenewal(seed: string, clusterId: string, now = new Date()): RenewRequest {
  const kp = keyPairFromSeed(seed, 'user');
  const unsigned = {
    clusterId,
    natsPublicKey: kp.getPublicKey(),
    signedAt: now.toISOString(),
    nonce: randomBytes(18).toString('base64url'),
  };
  const signature = Buffer.from(kp.sign(encoder.encode(renewalSigningInput(unsigned)))).toString('base64url');
  return { protocol: PROTOCOL_VERSION, ...unsigned, signature };
}

/** True when `request.signature` is the signature of its own fields by `request.natsPublicKey`. */
export function renewalSignatureValid(request: RenewRequest): boolean {
  try {
    return fromPublic(request.natsPublicKey).verify(
      encoder.encode(renewalSigningInput(request)),
      Buffer.from(request.signature, 'base64url'),
    );
  } catch {
    return false;
  }
}

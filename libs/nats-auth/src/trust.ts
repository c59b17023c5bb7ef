/** The operator → account chain of trust: three nkey seeds, from which every JWT is derived. */
import { createAccount, createOperator, fromSeed } from '@nats-io/jwt';
import type { KeyPair } from '@nats-io/nkeys';
import { fastKeyPair } from './fast-key.js';

/**
 * The secrets behind a Flotilla NATS deployment. The operator signs the accounts; the Flotilla
 * account signs every user. Keep all three secret: the server config holds only JWTs.
 */
export interface NatsTrust {
  operatorSeed: string;
  accountSeed: string;
  systemAccountSeed: string;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function seedText(seed: Uint8Array): string {
  return decoder.decode(seed);
}

const parsed = new Map<string, KeyPair>();

/**
 * Parses a seed, checking it is the kind of key we expect (O, A or U prefix). Key pairs are
 * kept per seed (deriving one is the slow part) and sign natively (fast-key.ts).
 */
export function keyPairFromSeed(seed: string, kind: 'operator' | 'account' | 'user'): KeyPair {
  const prefix = { operator: 'SO', account: 'SA', user: 'SU' }[kind];
  if (!seed.startsWith(prefix)) throw new Error(`not a NATS ${kind} seed (expected it to start with ${prefix})`);
  let kp = parsed.get(seed);
  if (!kp) {
    kp = fastKeyPair(fromSeed(encoder.encode(seed)) as KeyPair & { getRawSeed(): Uint8Array });
    if (parsed.size > 1000) parsed.clear();
    parsed.set(seed, kp);
  }
  return kp;
}

export async function createNatsTrust(): Promise<NatsTrust> {
  return Promise.resolve({
    operatorSeed: seedText(createOperator().getSeed()),
    accountSeed: seedText(createAccount().getSeed()),
    systemAccountSeed: seedText(createAccount().getSeed()),
  });
}

/** Public key (starts with A) of the Flotilla account that signs every user JWT. */
export function accountPublicKey(trust: Pick<NatsTrust, 'accountSeed'>): string {
  return keyPairFromSeed(trust.accountSeed, 'account').getPublicKey();
}

export function systemAccountPublicKey(trust: Pick<NatsTrust, 'systemAccountSeed'>): string {
  return keyPairFromSeed(trust.systemAccountSeed, 'account').getPublicKey();
}

export function operatorPublicKey(trust: Pick<NatsTrust, 'operatorSeed'>): string {
  return keyPairFromSeed(trust.operatorSeed, 'operator').getPublicKey();
}

/**
 * Native Ed25519 for NATS nkeys. nkeys (and nats.js's own authenticators) sign with tweetnacl,
 * pure JavaScript, and re-derive the key pair from the seed on every call — a few milliseconds
 * a signature, which caps how fast a busy process can (re)connect many NATS users. This builds a
 * node:crypto KeyObject from the nkey seed once: the same signatures, from OpenSSL.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { Prefix } from '@nats-io/nkeys';
import { Codec } from '@nats-io/nkeys/lib/codec.js';
import type { Authenticator } from '@nats-io/transport-node';

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** An SPKI Ed25519 public key ends with the 32 raw key bytes. */
const ED25519_PUBLIC_KEY_BYTES = 32;

export interface NativeNkey {
  /** The public nkey (U…, A…, O…), as nkeys' getPublicKey() gives it. */
  publicKey: string;
  /** A detached Ed25519 signature, byte for byte what nkeys' sign() gives. */
  sign(input: Uint8Array): Uint8Array;
}

/** An Ed25519 private key from a raw 32-byte seed. */
export function ed25519PrivateKey(rawSeed: Uint8Array): KeyObject {
  if (rawSeed.length !== 32) throw new Error(`an Ed25519 seed is 32 bytes, got ${rawSeed.length}`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, rawSeed]), format: 'der', type: 'pkcs8' });
}

/** The raw 32 public-key bytes of an Ed25519 private key. */
export function ed25519PublicKeyBytes(key: KeyObject): Uint8Array {
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - ED25519_PUBLIC_KEY_BYTES));
}

/** Parses an nkey seed (S…) once and signs natively from then on. Throws on a malformed seed. */
export function nativeNkey(seed: string): NativeNkey {
  const { prefix, buf } = Codec.decodeSeed(new TextEncoder().encode(seed));
  const key = ed25519PrivateKey(buf);
  const publicKey = new TextDecoder().decode(Codec.encode(prefix, ed25519PublicKeyBytes(key)));
  return { publicKey, sign: (input) => new Uint8Array(sign(null, input, key)) };
}

/** A fresh nkey pair of the given kind, generated natively (nkeys derives the public key in pure JavaScript). */
export function nativeCreateNkey(kind: 'user' | 'account' | 'operator'): { publicKey: string; seed: string } {
  const prefix = { user: Prefix.User, account: Prefix.Account, operator: Prefix.Operator }[kind];
  const seed = new TextDecoder().decode(Codec.encodeSeed(prefix, randomBytes(32)));
  return { publicKey: nativeNkey(seed).publicKey, seed };
}

/**
 * nats.js `authenticator` for a user JWT and its nkey seed, as its own `jwtAuthenticator` but
 * signing the server's nonce natively: the key is parsed once, not on every (re)connect. Give a
 * function for a JWT that is renewed: every (re)connect presents the current one.
 */
export function nativeJwtAuthenticator(jwt: string | (() => string), seed: string): Authenticator {
  const nkey = nativeNkey(seed);
  return (nonce?: string) => ({
    jwt: typeof jwt === 'function' ? jwt() : jwt,
    nkey: nkey.publicKey,
    sig: nonce ? Buffer.from(nkey.sign(new TextEncoder().encode(nonce))).toString('base64') : '',
  });
}

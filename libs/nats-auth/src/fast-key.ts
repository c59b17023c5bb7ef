/**
 * nkeys signs with a pure-JavaScript Ed25519 (about 30 ms a JWT on this hardware, re-deriving
 * the public key on every call). This wraps a key pair so that its public key is derived once
 * and signatures come from node:crypto's native Ed25519 — the same bytes, 100× faster.
 */
import type { KeyPair } from '@nats-io/nkeys';
import { nativeNkey } from './native-ed25519.js';

export function fastKeyPair(kp: KeyPair & { getRawSeed(): Uint8Array }): KeyPair {
  const native = nativeNkey(new TextDecoder().decode(kp.getSeed()));
  const publicKey = native.publicKey;
  let privateKey: Uint8Array | undefined;
  return {
    getPublicKey: () => publicKey,
    // jwt's checkKey calls this on every encode only to prove the pair has a private key.
    getPrivateKey: () => (privateKey ??= kp.getPrivateKey()),
    getSeed: () => kp.getSeed(),
    sign: (input: Uint8Array) => native.sign(input),
    verify: (input: Uint8Array, sig: Uint8Array) => kp.verify(input, sig),
    clear: () => kp.clear(),
    seal: (...args: Parameters<KeyPair['seal']>) => kp.seal(...args),
    open: (...args: Parameters<KeyPair['open']>) => kp.open(...args),
  };
}

import { createPublicKey, verify } from 'node:crypto';
import { createAccount, createOperator, createUser, fromPublic, fromSeed } from '@nats-io/nkeys';
import { jwtAuthenticator } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { ed25519PrivateKey, nativeCreateNkey, nativeJwtAuthenticator, nativeNkey } from './native-ed25519.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

describe('nativeNkey', () => {
  it('signs exactly what nkeys signs for the same seed and nonce, and both verify it', () => {
    for (const kp of [createUser(), createAccount(), createOperator()]) {
      const native = nativeNkey(text(kp.getSeed()));
      const nonce = bytes(`nonce-${Math.random()}`);
      const sig = native.sign(nonce);
      expect(Buffer.from(sig).toString('hex')).toBe(Buffer.from(kp.sign(nonce)).toString('hex'));
      expect(native.publicKey).toBe(kp.getPublicKey());
      expect(fromPublic(native.publicKey).verify(nonce, sig)).toBe(true);
      const key = createPublicKey(ed25519PrivateKey((kp as unknown as { getRawSeed(): Uint8Array }).getRawSeed()));
      expect(verify(null, nonce, key, sig)).toBe(true);
      expect(fromPublic(native.publicKey).verify(bytes('another nonce'), sig)).toBe(false);
    }
  });

  it('refuses a malformed seed', () => {
    const seed = text(createUser().getSeed());
    const flipped = seed.slice(0, 10) + (seed[10] === 'A' ? 'B' : 'A') + seed.slice(11);
    expect(() => nativeNkey(flipped)).toThrow(/checksum|invalid/i);
    expect(() => nativeNkey('SUNOTASEED')).toThrow();
  });
});

describe('nativeCreateNkey', () => {
  it('makes key pairs nkeys reads back: the same public key from the seed, of the asked kind', () => {
    for (const [kind, p] of [
      ['user', 'U'],
      ['account', 'A'],
      ['operator', 'O'],
    ] as const) {
      const { publicKey, seed } = nativeCreateNkey(kind);
      expect(seed.startsWith(`S${p}`)).toBe(true);
      expect(fromSeed(bytes(seed)).getPublicKey()).toBe(publicKey);
      expect(publicKey.startsWith(p)).toBe(true);
    }
    expect(nativeCreateNkey('user').seed).not.toBe(nativeCreateNkey('user').seed);
  });
});

describe('nativeJwtAuthenticator', () => {
  it("answers the server's nonce as nats.js's jwtAuthenticator does", () => {
    const kp = createUser();
    const seed = text(kp.getSeed());
    const nonce = 'aWs6qTxv2ZH5fLsx';
    const ours = nativeJwtAuthenticator('header.claims.sig', seed)(nonce);
    const theirs = jwtAuthenticator('header.claims.sig', bytes(seed))(nonce);
    expect(ours).toEqual(theirs);
    expect(fromSeed(bytes(seed)).verify(bytes(nonce), Buffer.from((ours as { sig: string }).sig, 'base64'))).toBe(true);
  });

  it('presents the current JWT on every call when given a function', () => {
    let jwt = 'first';
    const auth = nativeJwtAuthenticator(() => jwt, text(createUser().getSeed()));
    expect(auth('n1')).toMatchObject({ jwt: 'first' });
    jwt = 'renewed';
    expect(auth('n2')).toMatchObject({ jwt: 'renewed' });
  });
});

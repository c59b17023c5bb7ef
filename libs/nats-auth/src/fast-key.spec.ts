import { createAccount } from '@nats-io/jwt';
import { describe, expect, it } from 'vitest';
import { fastKeyPair } from './fast-key.js';

describe('fastKeyPair', () => {
  it('signs the very bytes nkeys signs, and nkeys verifies them', () => {
    const kp = createAccount() as ReturnType<typeof createAccount> & { getRawSeed(): Uint8Array };
    const fast = fastKeyPair(kp);
    const input = new TextEncoder().encode('header.payload');
    const sig = fast.sign(input);
    expect(Buffer.from(sig)).toEqual(Buffer.from(kp.sign(input)));
    expect(kp.verify(input, sig)).toBe(true);
    expect(fast.getPublicKey()).toBe(kp.getPublicKey());
  });

  it('keeps the key pair usable for checks that need the private key', () => {
    const kp = createAccount() as ReturnType<typeof createAccount> & { getRawSeed(): Uint8Array };
    expect(Buffer.from(fastKeyPair(kp).getPrivateKey())).toEqual(Buffer.from(kp.getPrivateKey()));
  });
});

import { createUser, mintUserJwt } from '@flotilla/nats-auth';
import { createAccount } from '@nats-io/nkeys';
import { describe, expect, it } from 'vitest';
import { renewalDueAt } from './renewer.js';

const accountSeed = new TextDecoder().decode(createAccount().getSeed());
const permissions = { pub: { allow: ['a'] }, sub: { allow: ['b'] } };

describe('renewalDueAt', () => {
  it('is two thirds into the JWT lifetime', async () => {
    const jwt = await mintUserJwt(
      { accountSeed },
      { publicKey: createUser().publicKey, name: 'x', permissions, expiresInSeconds: 3600 },
    );
    const due = renewalDueAt(jwt)!.getTime();
    const expected = Math.floor(Date.now() / 1000) * 1000 + 2_400_000;
    expect(Math.abs(due - expected)).toBeLessThanOrEqual(1000);
  });

  it('is never for a JWT without expiry', async () => {
    const jwt = await mintUserJwt({ accountSeed }, { publicKey: createUser().publicKey, name: 'x', permissions });
    expect(renewalDueAt(jwt)).toBeUndefined();
  });
});

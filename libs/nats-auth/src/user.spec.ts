import { describe, expect, it } from 'vitest';
import { agentPermissions, hubPermissions } from '@flotilla/protocol';
import { accountPublicKey, createNatsTrust } from './trust.js';
import { createUser, decodeUserJwt, mintUserJwt } from './user.js';

const id = '0b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f21';

describe('mintUserJwt', () => {
  it('signs a JWT for the user key, issued by the account, with exactly the given permissions', async () => {
    const trust = await createNatsTrust();
    const user = createUser();
    const jwt = await mintUserJwt(trust, {
      publicKey: user.publicKey,
      name: 'agent',
      permissions: agentPermissions(id),
    });
    const claims = decodeUserJwt(jwt);
    expect(claims.publicKey).toBe(user.publicKey);
    expect(claims.issuer).toBe(accountPublicKey(trust));
    expect(claims.permissions).toEqual(agentPermissions(id));
    expect(claims.expiresAt).toBeUndefined();
  });

  it('carries the response permission (allow_responses) in nanoseconds and reads it back', async () => {
    const trust = await createNatsTrust();
    const jwt = await mintUserJwt(trust, {
      publicKey: createUser().publicKey,
      name: 'hub',
      permissions: hubPermissions(),
    });
    expect(decodeUserJwt(jwt).permissions).toEqual(hubPermissions());
  });

  it('sets an expiry when asked', async () => {
    const trust = await createNatsTrust();
    const jwt = await mintUserJwt(trust, {
      publicKey: createUser().publicKey,
      name: 'x',
      permissions: agentPermissions(id),
      expiresInSeconds: 60,
    });
    const exp = decodeUserJwt(jwt).expiresAt!.getTime();
    expect(exp).toBeGreaterThan(Date.now() + 50_000);
    expect(exp).toBeLessThanOrEqual(Date.now() + 61_000);
  });

  it('refuses a public key that is not a user key', async () => {
    const trust = await createNatsTrust();
    await expect(
      mintUserJwt(trust, { publicKey: accountPublicKey(trust), name: 'x', permissions: agentPermissions(id) }),
    ).rejects.toThrow(/not a NATS user public key/);
  });
});

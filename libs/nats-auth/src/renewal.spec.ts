import { describe, expect, it } from 'vitest';
import { RenewRequest } from '@flotilla/protocol';
import { createUser } from './user.js';
import { renewalSignatureValid, signRenewal } from './renewal.js';

const CLUSTER = '6f1c9a52-3c1e-4c55-9f43-0d2f1f3c2a11';
const OTHER = '0b8e2f6c-9d7a-4a55-8a43-1c2d3e4f5a6b';

describe('renewal proof of possession', () => {
  it('signs a request that passes the wire schema and verifies against its own key', () => {
    const user = createUser();
    const req = signRenewal(user.seed, CLUSTER);
    expect(RenewRequest.parse(req)).toEqual(req);
    expect(req.natsPublicKey).toBe(user.publicKey);
    expect(renewalSignatureValid(req)).toBe(true);
  });

  it('refuses a request whose fields were changed after signing (another cluster, time, nonce)', () => {
    const req = signRenewal(createUser().seed, CLUSTER);
    expect(renewalSignatureValid({ ...req, clusterId: OTHER })).toBe(false);
    expect(renewalSignatureValid({ ...req, signedAt: new Date(Date.parse(req.signedAt) + 1000).toISOString() })).toBe(
      false,
    );
    expect(renewalSignatureValid({ ...req, nonce: `${req.nonce.slice(1)}A` })).toBe(false);
  });

  it('refuses a request that presents another key than the one that signed', () => {
    const req = signRenewal(createUser().seed, CLUSTER);
    expect(renewalSignatureValid({ ...req, natsPublicKey: createUser().publicKey })).toBe(false);
  });

  it('refuses garbage signatures and keys without throwing', () => {
    const req = signRenewal(createUser().seed, CLUSTER);
    expect(renewalSignatureValid({ ...req, signature: 'A'.repeat(86) })).toBe(false);
    expect(renewalSignatureValid({ ...req, natsPublicKey: `U${'A'.repeat(55)}` })).toBe(false);
  });
});

/** NATS users: nkey pairs, user JWTs signed by the Flotilla account, and client authenticators. */
import { decode, encodeUser } from '@nats-io/jwt';
import type { Authenticator } from '@nats-io/transport-node';
import type { NatsPermissions } from '@flotilla/protocol';
import { nativeCreateNkey, nativeJwtAuthenticator } from './native-ed25519.js';
import { keyPairFromSeed, type NatsTrust } from './trust.js';

/** A fresh user nkey pair. The seed is the user's secret; only the public key is shared. */
export function createUser(): { publicKey: string; seed: string } {
  return nativeCreateNkey('user');
}

export interface MintUserJwtOptions {
  /** The user's public nkey (starts with U). */
  publicKey: string;
  name: string;
  permissions: NatsPermissions;
  /** Lifetime; the JWT never expires when omitted. */
  expiresInSeconds?: number;
}

const USER_PUBLIC_KEY = /^U[A-Z2-7]{55}$/;

/** Signs a user JWT with the Flotilla account key, carrying exactly the given permissions. */
export async function mintUserJwt(trust: Pick<NatsTrust, 'accountSeed'>, opts: MintUserJwtOptions): Promise<string> {
  if (!USER_PUBLIC_KEY.test(opts.publicKey)) throw new Error('publicKey is not a NATS user public key');
  if (opts.expiresInSeconds !== undefined && !(opts.expiresInSeconds > 0)) {
    throw new Error(`expiresInSeconds must be positive, got ${opts.expiresInSeconds}`);
  }
  const account = keyPairFromSeed(trust.accountSeed, 'account');
  const exp =
    opts.expiresInSeconds === undefined ? undefined : Math.floor(Date.now() / 1000) + Math.ceil(opts.expiresInSeconds);
  return encodeUser(
    opts.name,
    opts.publicKey,
    account,
    {
      pub: { allow: [...opts.permissions.pub.allow], deny: [] },
      sub: { allow: [...opts.permissions.sub.allow], deny: [] },
      // nats-server reads `ttl` as a Go duration in nanoseconds.
      ...(opts.permissions.resp
        ? { resp: { max: opts.permissions.resp.max, ttl: opts.permissions.resp.ttlMs * 1_000_000 } }
        : {}),
    },
    exp === undefined ? {} : { exp },
  );
}

/** The claims of a user JWT (no signature check: for display and tests). */
export function decodeUserJwt(jwt: string): {
  publicKey: string;
  issuer: string;
  name: string;
  issuedAt: Date;
  expiresAt?: Date;
  permissions: NatsPermissions;
} {
  const c = decode<{ pub?: { allow?: string[] }; sub?: { allow?: string[] }; resp?: { max?: number; ttl?: number } }>(
    jwt,
  );
  const resp = c.nats.resp;
  return {
    publicKey: c.sub,
    issuer: c.iss,
    name: c.name,
    issuedAt: new Date(c.iat * 1000),
    ...(c.exp ? { expiresAt: new Date(c.exp * 1000) } : {}),
    permissions: {
      pub: { allow: c.nats.pub?.allow ?? [] },
      sub: { allow: c.nats.sub?.allow ?? [] },
      ...(resp ? { resp: { max: resp.max ?? 0, ttlMs: Math.round((resp.ttl ?? 0) / 1_000_000) } } : {}),
    },
  };
}

/**
 * An authenticator for `connect({ authenticator })`: presents the JWT and signs the nonce with
 * native Ed25519 (native-ed25519.ts; nats.js's own signs in pure JavaScript). Give a function for
 * a JWT that is renewed: every (re)connect presents the current one.
 */
export function credsAuthenticator(jwt: string | (() => string), seed: string): Authenticator {
  if (!seed.startsWith('SU')) throw new Error('not a NATS user seed (expected it to start with SU)');
  return nativeJwtAuthenticator(jwt, seed);
}

/**
 * Revoking users on a running server: push the Flotilla account JWT, with its revocation list,
 * as a system-account user (`$SYS.REQ.ACCOUNT.<id>.CLAIMS.UPDATE`; the MEMORY resolver of
 * nats-server 2.9 accepts it). Connected revoked users are disconnected at once. The update
 * lives in memory only: also pass the revocations to natsServerConfig for the next start.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { flotillaAccountJwt, type Revocations } from './server-config.js';
import { accountPublicKey, type NatsTrust } from './trust.js';
import { createUser, mintUserJwt } from './user.js';

/** Subject a system-account user publishes an updated account JWT to. */
export const claimsUpdateSubject = (accountKey: string) => `$SYS.REQ.ACCOUNT.${accountKey}.CLAIMS.UPDATE`;

/** A system-account user that may only update account claims (and hear the replies). */
export async function systemUserCreds(
  trust: Pick<NatsTrust, 'systemAccountSeed'>,
  opts: { expiresInSeconds?: number } = {},
): Promise<{ jwt: string; seed: string; publicKey: string }> {
  const user = createUser();
  const jwt = await mintUserJwt(
    { accountSeed: trust.systemAccountSeed },
    {
      publicKey: user.publicKey,
      name: 'flotilla-claims-updater',
      permissions: { pub: { allow: ['$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE'] }, sub: { allow: ['_INBOX.>'] } },
      ...opts,
    },
  );
  return { jwt, seed: user.seed, publicKey: user.publicKey };
}

/**
 * Sends the account JWT carrying exactly `revocations` (the complete list: it replaces the
 * previous one). `nc` must be connected as a system-account user (systemUserCreds).
 */
export async function pushRevocations(
  nc: NatsConnection,
  trust: Pick<NatsTrust, 'operatorSeed' | 'accountSeed'>,
  revocations: Revocations,
  opts: { timeoutMs?: number } = {},
): Promise<void> {
  const jwt = await flotillaAccountJwt(trust, revocations);
  const reply = await nc.request(claimsUpdateSubject(accountPublicKey(trust)), jwt, {
    timeout: opts.timeoutMs ?? 5000,
  });
  let body: { data?: { code?: number; message?: string }; error?: { code?: number; description?: string } };
  try {
    body = reply.json();
  } catch {
    throw new Error(
      `nats-server answered the account update with something that is not JSON: ${reply.string().slice(0, 200)}`,
    );
  }
  if (body.error || body.data?.code !== 200) {
    throw new Error(
      `nats-server refused the account update: ${body.error?.description ?? body.data?.message ?? JSON.stringify(body)}`,
    );
  }
}

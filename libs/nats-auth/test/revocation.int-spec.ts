import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { agentPermissions, subjects } from '@flotilla/protocol';
import { credsAuthenticator, pushRevocations, systemUserCreds } from '@flotilla/nats-auth';
import { startNats, type NatsCreds, type TestNats, scaled } from '@flotilla/testing';

const now = () => Math.floor(Date.now() / 1000);

describe('revoking agent credentials', () => {
  let nats: TestNats;
  let sys: NatsConnection;
  const agent = async () => {
    const id = randomUUID();
    return nats.userFor(agentPermissions(id), { inboxPrefix: subjects.agentInboxPrefix(id) });
  };
  const refused = (creds: NatsCreds) =>
    expect(nats.connect(creds, { reconnect: false, timeout: 2000 })).rejects.toThrow(/authorization violation/i);

  beforeAll(async () => {
    nats = await startNats();
    const creds = await systemUserCreds(nats.trust);
    sys = await connect({ servers: nats.url, authenticator: credsAuthenticator(creds.jwt, creds.seed) });
  });
  afterAll(async () => {
    await sys?.close();
    await nats?.[Symbol.asyncDispose]();
  });

  it('disconnects a revoked agent at once and refuses it afterwards, leaving others connected', async () => {
    const victim = await agent();
    const bystander = await agent();
    const victimNc = await nats.connect(victim, { maxReconnectAttempts: 1, reconnectTimeWait: 100 });
    const bystanderNc = await nats.connect(bystander);
    const victimErrors: string[] = [];
    void (async () => {
      for await (const s of victimNc.status()) if (s.type === 'error') victimErrors.push(String(s.error));
    })();

    await pushRevocations(sys, nats.trust, { [victim.publicKey]: now() });

    await expect.poll(() => victimErrors.join('\n'), { timeout: scaled(5000) }).toMatch(/revoked/i);
    await refused(victim);
    await bystanderNc.flush();
    expect(bystanderNc.isClosed()).toBe(false);
    await victimNc.close().catch(() => undefined);
    await bystanderNc.close();
  });

  it('replaces the whole list: a key left out is accepted again', async () => {
    const a = await agent();
    await pushRevocations(sys, nats.trust, { [a.publicKey]: now() });
    await refused(a);
    await pushRevocations(sys, nats.trust, {});
    const nc = await nats.connect(a, { reconnect: false, timeout: 2000 });
    await nc.close();
  });

  it('keeps revoked users out after a restart when the config carries the revocations', async () => {
    const a = await agent();
    await using restarted = await startNats({ trust: nats.trust, revocations: { [a.publicKey]: now() } });
    await expect(restarted.connect(a, { reconnect: false, timeout: 2000 })).rejects.toThrow(/authorization violation/i);
    const other = await agent();
    await (await restarted.connect(other, { reconnect: false })).close();
  });

  it('refuses revocations that are not user keys', async () => {
    await expect(pushRevocations(sys, nats.trust, { 'not-a-key': now() })).rejects.toThrow(
      /not a NATS user public key/,
    );
  });
});

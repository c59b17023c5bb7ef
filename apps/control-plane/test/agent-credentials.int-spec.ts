import { subjects } from '@flotilla/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, registerAgent, type TestAgent } from './support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from './support/harness.js';
import { scaled } from '@flotilla/testing';

/** The NATS server, not the agent, enforces what a registered agent's credentials allow. */
describe('agent NATS credentials minted at registration', () => {
  let h: Harness;
  let a: TestAgent;
  let b: TestAgent;
  beforeAll(async () => {
    h = await startHarness();
    const { token } = await createRegistrationToken(h, { maxUses: 2 });
    a = await registerAgent(h, token, 'agent-a');
    b = await registerAgent(h, token, 'agent-b');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await h?.close();
  });

  const denied = async (agent: TestAgent, act: () => unknown) => {
    const errors: string[] = [];
    const watch = (async () => {
      for await (const s of agent.nc.status())
        if (s.type === 'error') errors.push(String((s as { error?: unknown }).error));
    })();
    await act();
    await agent.nc.flush();
    // The server's refusal arrives as an asynchronous error status.
    await eventually(async () => errors.length > 0, 5000, 'a permissions error from the server');
    void watch;
    return errors.join('\n');
  };

  it('lets agent A send its own heartbeat through the relay', async () => {
    await expect(a.heartbeat()).resolves.toBeUndefined();
  });

  it("refuses agent A publishing on agent B's relay subjects, or on any stream subject, its own included", async () => {
    for (const subject of [
      subjects.relay(b.clusterId, 'heartbeat'),
      subjects.agent(b.clusterId, 'heartbeat'),
      subjects.agent(a.clusterId, 'heartbeat'),
    ])
      expect(await denied(a, () => a.nc.publish(subject, '{}'))).toMatch(/permissions violation for publish/i);
  });

  it("refuses agent A subscribing to agent B's subjects, B's desired state or the shared inbox", async () => {
    for (const subject of [subjects.agentOwn(b.clusterId), subjects.desired(b.clusterId), '_INBOX.>']) {
      expect(await denied(a, () => a.nc.subscribe(subject))).toMatch(/permissions violation for subscription/i);
    }
  });

  it('deregistering a cluster disconnects its agent and keeps it out, also after NATS restarts', async () => {
    const { token } = await createRegistrationToken(h, { maxUses: 2 });
    const victim = await registerAgent(h, token, 'victim', { maxReconnectAttempts: 0 });
    const bystander = await registerAgent(h, token, 'bystander');
    try {
      const errors: string[] = [];
      void (async () => {
        for await (const s of victim.nc.status())
          if (s.type === 'error') errors.push(String((s as { error?: unknown }).error));
      })();
      await h.gql('mutation($id: ID!) { deregisterCluster(id: $id) { id } }', { id: victim.clusterId });
      await eventually(async () => errors.some((e) => /revoked/i.test(e)), 5000, 'revocation error');
      await expect(h.nats.connect(victim.creds, { reconnect: false, timeout: scaled(2000) })).rejects.toThrow(
        /authorization violation/i,
      );
      await expect(bystander.heartbeat()).resolves.toBeUndefined();

      await h.nats.stop();
      await h.nats.start();
      await eventually(
        async () =>
          h.nats.connect(victim.creds, { reconnect: false, timeout: scaled(1000) }).then(
            (nc) => nc.close().then(() => false),
            () => true,
          ),
        10_000,
        'victim refused after NATS restart',
      );
      await eventually(
        async () =>
          bystander.heartbeat().then(
            () => true,
            () => false,
          ),
        10_000,
        'bystander publishing again',
      );
    } finally {
      await victim.close().catch(() => undefined);
      await bystander.close();
    }
  });
});

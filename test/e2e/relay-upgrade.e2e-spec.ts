/**
 * Upgrading to the relay (issue 13.1): an agent whose stored NATS JWT was minted before the relay
 * (it may publish on the stream subjects and direct-get its key, not on its relay subjects) is
 * refused by the server on its first send, renews its credential at once and carries on.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeUserJwt, mintUserJwt } from '@flotilla/nats-auth';
import { agentPermissions, subjects } from '@flotilla/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrationToken, startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { startAgentProcess, type AgentProcess } from './support/agent-process.js';

const CLUSTER = `query($name: String!) { cluster(name: $name) { id connection lastSeenAt } }`;

describe('an agent with a credential from before the relay', () => {
  let h: Harness;
  let dir: string;
  let agent: AgentProcess | undefined;

  beforeAll(async () => {
    h = await startHarness({ HEARTBEAT_INTERVAL_SECONDS: '1' });
    dir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-relay-upgrade-'));
  });
  afterAll(async () => {
    await agent?.stop();
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cluster = async () => (await h.gql(CLUSTER, { name: 'edge-old' })).data?.cluster;
  const credentialFile = () => join(dir, 'edge-old', 'credential.json');

  it('renews its credential on the first refused send and heartbeats again', async () => {
    const { token } = await createRegistrationToken(h, {});
    agent = startAgentProcess({ name: 'edge-old', 'state-dir': join(dir, 'edge-old'), server: h.cp.url, token });
    const { id } = await eventually(
      async () => (await cluster())?.connection === 'ONLINE' && cluster(),
      20_000,
      'online',
    );
    await agent.stop();

    // The stored JWT becomes one with the permissions agents had before the relay.
    const stored = JSON.parse(await readFile(credentialFile(), 'utf8')) as { nats: { jwt: string } };
    const inbox = subjects.agentInboxPrefix(id);
    stored.nats.jwt = await mintUserJwt(h.nats.trust, {
      publicKey: decodeUserJwt(stored.nats.jwt).publicKey,
      name: 'edge-old',
      permissions: {
        pub: { allow: [subjects.agentOwn(id), subjects.desiredDirectGet(id)] },
        sub: { allow: [subjects.desired(id), `${inbox}.>`] },
      },
      expiresInSeconds: 3600,
    });
    await writeFile(credentialFile(), JSON.stringify(stored), { mode: 0o600 });

    const restartedAt = Date.now();
    agent = startAgentProcess({ name: 'edge-old', 'state-dir': join(dir, 'edge-old') });
    await eventually(
      async () => {
        const c = await cluster();
        return c?.lastSeenAt && Date.parse(c.lastSeenAt) > restartedAt;
      },
      30_000,
      'heartbeats after the restart',
    );
    expect(agent.log()).toMatch(/predates the hub's relay; renewing/);
    const renewed = JSON.parse(await readFile(credentialFile(), 'utf8')) as { nats: { jwt: string } };
    expect(decodeUserJwt(renewed.nats.jwt).permissions).toEqual(agentPermissions(id));
  });
});

/**
 * Issue 6 end to end, with the real agent as a separate process: its NATS JWT lives 12 s and is
 * renewed before it expires (heartbeats go on past the first JWT's expiry, the renewed JWT is
 * stored and survives a restart); a suspended cluster goes silent, a resumed one comes back by
 * itself by renewing its credential.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeUserJwt } from '@flotilla/nats-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrationToken, startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { startAgentProcess, type AgentProcess } from './support/agent-process.js';

const CLUSTER = `query($name: String!) { cluster(name: $name) { id connection admission lastSeenAt credentialExpiresAt } }`;
const TTL_SECONDS = 12;

describe('agent identity end to end', () => {
  let h: Harness;
  let dir: string;
  let agent: AgentProcess | undefined;

  beforeAll(async () => {
    h = await startHarness({ HEARTBEAT_INTERVAL_SECONDS: '1', AGENT_JWT_TTL_SECONDS: String(TTL_SECONDS) });
    dir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-identity-'));
  });
  afterAll(async () => {
    await agent?.stop();
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cluster = async () => (await h.gql(CLUSTER, { name: 'edge-renew' })).data?.cluster;
  const storedJwt = async () =>
    (JSON.parse(await readFile(join(dir, 'edge-renew', 'credential.json'), 'utf8')) as { nats: { jwt: string } }).nats
      .jwt;
  const start = (args: Record<string, string> = {}) => {
    agent = startAgentProcess({ name: 'edge-renew', 'state-dir': join(dir, 'edge-renew'), ...args });
    return agent;
  };
  /** Heartbeats arrive: lastSeenAt moves past `after`. */
  const heardAfter = (after: number, timeoutMs: number, what: string) =>
    eventually(
      async () => {
        const c = await cluster();
        return c?.lastSeenAt && Date.parse(c.lastSeenAt) > after && c;
      },
      timeoutMs,
      what,
    );

  it('renews its short-lived NATS credential before it expires and keeps heartbeating past the first expiry', async () => {
    const { token } = await createRegistrationToken(h, {});
    start({ server: h.cp.url, token });
    await eventually(async () => (await cluster())?.connection === 'ONLINE', 20_000, 'agent online');
    const first = decodeUserJwt(await storedJwt());
    expect(first.expiresAt!.getTime() - first.issuedAt.getTime()).toBe(TTL_SECONDS * 1000);

    const renewed = await eventually(
      async () => {
        const jwt = await storedJwt();
        return decodeUserJwt(jwt).expiresAt!.getTime() > first.expiresAt!.getTime() && jwt;
      },
      20_000,
      'a renewed JWT in credential.json',
    );
    expect(decodeUserJwt(renewed).publicKey).toBe(first.publicKey);
    // Two renewal periods later the agent still talks to NATS, long after the first JWT died.
    await heardAfter(first.expiresAt!.getTime() + 3_000, 25_000, 'heartbeats after the first JWT expired');
    expect(Date.parse((await cluster()).credentialExpiresAt)).toBeGreaterThan(first.expiresAt!.getTime());
    expect(agent!.log()).toMatch(/credential: renewed/);
    expect(agent!.log()).not.toContain(token);
  });

  it('restarts on the stored, renewed credential without the token', async () => {
    await agent!.stop();
    start();
    const restartedAt = Date.now();
    await heardAfter(restartedAt, 20_000, 'heartbeats after restart');
  });

  it('goes silent when suspended and comes back by itself when resumed', async () => {
    const { id } = await cluster();
    await h.gql('mutation($id: ID!) { suspendCluster(id: $id) { id } }', { id });
    const suspendedAt = Date.now();
    await eventually(
      async () => /NATS refused this agent's credential/.test(agent!.log()),
      60_000,
      'the agent cut off',
    );
    const cutOffMs = Date.now() - suspendedAt;
    expect(cutOffMs).toBeLessThan(60_000);
    const last = Date.parse((await cluster()).lastSeenAt);
    // It keeps trying: a renewal refused, and NATS refusing it again, with no heartbeat getting through.
    const refusals = () => agent!.log().split("NATS refused this agent's credential").length - 1;
    const refusedBefore = refusals();
    await eventually(
      async () => /credential renewal refused/.test(agent!.log()) && refusals() > refusedBefore,
      30_000,
      'a renewal refused and NATS refusing the agent again',
    );
    expect(Date.parse((await cluster()).lastSeenAt)).toBeLessThanOrEqual(last + 1_000);

    await h.gql('mutation($id: ID!) { resumeCluster(id: $id) { id } }', { id });
    const resumedAt = Date.now();
    await heardAfter(resumedAt, 45_000, 'heartbeats after resume');
    expect((await cluster()).admission).toBe('ACTIVE');
  });
});

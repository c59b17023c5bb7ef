/**
 * Issue 2 end to end: a registration token made over GraphQL, two agents started as separate
 * processes, both Online with their facts and the token's tags; one killed → Offline; restarted
 * → Online again on its stored credential, without the token (which is revoked by then).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrationToken, startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { startAgentProcess, type AgentProcess } from './support/agent-process.js';
import { scaled } from '@flotilla/testing';

const CLUSTER = `query($name: String!) { cluster(name: $name) { id name connection tags lastSeenAt facts { kubeVersion agentVersion provider region nodeCount } } }`;

/** Its tests wait on a control plane, agents and git: a deadline that stretches with the load. */
const SLOW = { timeout: scaled(120_000) };

describe('registration end to end', SLOW, () => {
  let h: Harness;
  let dir: string;
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    h = await startHarness({ HEARTBEAT_INTERVAL_SECONDS: '1' });
    dir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-'));
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cluster = async (name: string) => {
    const r = await h.gql(CLUSTER, { name });
    if (r.errors?.length && r.errors[0]?.extensions?.code !== 'NOT_FOUND') throw new Error(JSON.stringify(r.errors));
    return r.data?.cluster;
  };
  const start = (name: string, token: string, facts: Record<string, string | number>) => {
    const agent = startAgentProcess({ server: h.cp.url, token, name, 'state-dir': join(dir, name), ...facts });
    agents.push(agent);
    return agent;
  };

  it('registers two agents, notices one die, and takes it back without the token', async () => {
    const { token, registrationToken } = await createRegistrationToken(h, {
      name: 'e2e',
      tags: ['edge-eu', 'canary'],
      maxUses: 2,
    });
    const eu = start('edge-eu-1', token, {
      provider: 'hetzner',
      region: 'eu-central',
      'kube-version': 'v1.33.2',
      'node-count': 3,
    });
    start('edge-eu-2', token, { provider: 'aws', region: 'eu-west-1', 'kube-version': 'v1.32.5', 'node-count': 5 });

    for (const [name, facts] of [
      ['edge-eu-1', { provider: 'hetzner', region: 'eu-central', kubeVersion: 'v1.33.2', nodeCount: 3 }],
      ['edge-eu-2', { provider: 'aws', region: 'eu-west-1', kubeVersion: 'v1.32.5', nodeCount: 5 }],
    ] as const) {
      const c = await eventually(
        async () => {
          const c = await cluster(name);
          return c?.connection === 'ONLINE' ? c : undefined;
        },
        30_000,
        `${name} online`,
      );
      expect(c.facts).toMatchObject(facts);
      expect([...c.tags].sort()).toEqual(['canary', 'edge-eu']);
    }
    // The credential is kept for the owner only.
    expect((await stat(join(dir, 'edge-eu-1', 'credential.json'))).mode & 0o777).toBe(0o600);

    // The token has done its job: revoke it, so a restart can only work on the stored credential.
    const revoke = await h.gql(`mutation($id: ID!) { revokeRegistrationToken(id: $id) { id revokedAt } }`, {
      id: registrationToken.id,
    });
    expect(revoke.data?.revokeRegistrationToken.revokedAt).toBeTruthy();

    await eu.kill();
    await eventually(async () => (await cluster('edge-eu-1'))?.connection === 'OFFLINE', 15_000, 'edge-eu-1 offline');
    expect((await cluster('edge-eu-2')).connection).toBe('ONLINE');

    const before = (await cluster('edge-eu-1')).lastSeenAt as string;
    const again = start('edge-eu-1', token, {
      provider: 'hetzner',
      region: 'eu-central',
      'kube-version': 'v1.33.2',
      'node-count': 3,
    });
    const back = await eventually(
      async () => {
        const c = await cluster('edge-eu-1');
        return c?.connection === 'ONLINE' ? c : undefined;
      },
      30_000,
      'edge-eu-1 online again',
    );
    expect(new Date(back.lastSeenAt).getTime()).toBeGreaterThan(new Date(before).getTime());
    expect(again.log()).not.toContain('registration: registered');
    // Still the same cluster, not a second registration.
    const all = await h.gql(`{ clusters(first: 10) { edges { node { name } } } }`);
    expect(all.data.clusters.edges.map((e: { node: { name: string } }) => e.node.name).sort()).toEqual([
      'edge-eu-1',
      'edge-eu-2',
    ]);
  });
});

/**
 * Issue 13 item 5 with the real agent process: the hub registers the cluster and spends the
 * single-use token, but the agent dies before it hears the answer (killed while a proxy holds
 * the response). The key pair was on disk before the request, so the restarted agent retries
 * with the same token and key, gets the same cluster back and comes online.
 */
import { access, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrationToken, startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { startAgentProcess, type AgentProcess } from './support/agent-process.js';

describe('registration retried after an agent crash', () => {
  let h: Harness;
  let dir: string;
  let proxy: Server | undefined;
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    h = await startHarness({ HEARTBEAT_INTERVAL_SECONDS: '1' });
    dir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-'));
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Forwards /v1/register to the hub; once the hub answered, runs `then` and never answers. */
  const swallowingProxy = async (then: () => Promise<void>) => {
    let forwarded = 0;
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const answer = await fetch(`${h.cp.url}${req.url}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: Buffer.concat(chunks),
          });
          await answer.text();
          forwarded++;
          await then();
          res.destroy();
        })();
      });
    });
    await new Promise<void>((r) => proxy!.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, forwarded: () => forwarded };
  };

  it('the restarted agent gets the same cluster with the used-up token and comes online', async () => {
    const { token, registrationToken } = await createRegistrationToken(h, { maxUses: 1 });
    const stateDir = join(dir, 'crashy');
    const p = await swallowingProxy(() => first.kill());
    const first: AgentProcess = startAgentProcess({ server: p.url, token, name: 'crashy', 'state-dir': stateDir });
    agents.push(first);
    await eventually(
      async () => first.child.exitCode !== null || first.child.signalCode !== null,
      60_000,
      'agent killed',
    );
    expect(p.forwarded()).toBe(1);
    // Registered and the use spent on the hub; nothing but the key on the agent's side.
    const registered = await h.gql(`{ cluster(name: "crashy") { id } }`);
    const clusterId = registered.data.cluster.id as string;
    const used = await h.gql(`{ registrationTokens { id usedCount } }`);
    expect(used.data.registrationTokens.find((t: { id: string }) => t.id === registrationToken.id).usedCount).toBe(1);
    await expect(access(join(stateDir, 'credential.json'))).rejects.toThrow();
    expect((await stat(join(stateDir, 'registration-key.json'))).mode & 0o777).toBe(0o600);

    const second = startAgentProcess({ server: h.cp.url, token, name: 'crashy', 'state-dir': stateDir });
    agents.push(second);
    const online = await eventually(
      async () => {
        const r = await h.gql(`{ cluster(name: "crashy") { id connection } }`);
        return r.data?.cluster?.connection === 'ONLINE' ? r.data.cluster : undefined;
      },
      60_000,
      'crashy online',
    );
    expect(online.id).toBe(clusterId);
    expect((await h.gql(`{ clusters(first: 50) { edges { node { name } } } }`)).data.clusters.edges.length).toBe(1);
    expect((await stat(join(stateDir, 'credential.json'))).mode & 0o777).toBe(0o600);
    await expect(access(join(stateDir, 'registration-key.json'))).rejects.toThrow();
    expect(second.log()).toContain('retrying with the key of an unfinished registration');
  });
});

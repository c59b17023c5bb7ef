/**
 * Two replicas of the agent: one holds the Lease and acts, the other stands by (no registration,
 * no NATS, no reconcile). The leader is killed with SIGKILL; the standby takes over within 30 s
 * (lease 15 s, renew deadline 10 s, retry 2 s, as client-go), on the credential the first stored in
 * the state Secret. A replica stopped cleanly releases the Lease so the next one takes it at once.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { startNats, type TestNats, scaled } from '@flotilla/testing';
import { KubeApiError, KubeClient } from '../src/kube/kube-client.js';
import { loadKubeconfig } from '../src/kube/kubeconfig.js';
import { startFakeHub, type FakeHub } from './support/fake-hub.js';
import { runAgentBin } from './support/run-agent-bin.js';
import { createAgentStream, heartbeatCount } from './support/stream.js';

const TOKEN = 'flt_leader_token';
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/default/leases';

const runAgent = (args: string[]) => runAgentBin(args, { FLOTILLA_TOKEN: '' });

describe('leader election between two agent replicas', () => {
  let nats: TestNats;
  let hubNc: NatsConnection;
  let jsm: JetStreamManager;
  let hub: FakeHub;
  let sim: KubeSim;
  let dir: string;
  let client: KubeClient;
  const running: ReturnType<typeof runAgent>[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-leader-'));
    [nats, sim] = await Promise.all([
      startNats(),
      startKubeSim({ name: 'leader', kubeconfigPath: join(dir, 'kubeconfig'), simulate: false }),
    ]);
    hubNc = await nats.connect(nats.hub);
    jsm = await createAgentStream(hubNc);
    hub = await startFakeHub({ trust: nats.trust, natsUrl: nats.url, token: TOKEN, heartbeatIntervalSeconds: 1 });
    client = new KubeClient(loadKubeconfig(sim.kubeconfigPath));
  });
  afterAll(async () => {
    for (const r of running) r.child.kill('SIGKILL');
    client?.close();
    await hub?.close();
    await hubNc?.close();
    await nats?.[Symbol.asyncDispose]();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('kube-sim serves Leases and refuses an update from a stale resourceVersion (409)', async () => {
    const created = (
      await client.request<{ metadata: { resourceVersion: string } }>('POST', LEASES, {
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: 'race' },
          spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
        },
      })
    ).body;
    const put = (holder: string) =>
      client.request('PUT', `${LEASES}/race`, {
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: 'race', resourceVersion: created.metadata.resourceVersion },
          spec: { holderIdentity: holder, leaseDurationSeconds: 15 },
        },
      });
    await put('b');
    const lost = await put('c').catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(KubeApiError);
    expect((lost as KubeApiError).status).toBe(409);
  });

  it(
    'one acts, the other stands by; after kill -9 the standby takes over within 30 s',
    { timeout: scaled(120_000) },
    async () => {
      const tokenFile = join(dir, 'token');
      await writeFile(tokenFile, TOKEN);
      const args = (name: string) => [
        '--server',
        hub.url,
        '--name',
        'leader-test',
        '--state-dir',
        join(dir, name),
        '--token-file',
        tokenFile,
        '--kubeconfig',
        sim.kubeconfigPath,
        '--state-secret',
        'flotilla-agent-state',
        '--state-namespace',
        'default',
        '--leader-elect',
        'true',
        '--node-count',
        '1',
        '--provider',
        'sim',
        '--region',
        'here',
        '--kube-version',
        'v1.31.0',
      ];
      const first = runAgent(args('one'));
      running.push(first);
      await expect.poll(() => first.out.stdout, { timeout: scaled(20_000) }).toContain('agent: started');
      const second = runAgent(args('two'));
      running.push(second);
      await expect.poll(() => second.out.stdout, { timeout: scaled(20_000) }).toContain('leader: standing by');
      const lease = (await client.request<{ spec: { holderIdentity: string } }>('GET', `${LEASES}/flotilla-agent`))
        .body;
      expect(first.out.stdout).toContain(lease.spec.holderIdentity);
      expect(hub.registrations).toHaveLength(1);
      const clusterId = JSON.parse(
        Buffer.from(
          (
            await client.request<{ data: Record<string, string> }>(
              'GET',
              '/api/v1/namespaces/default/secrets/flotilla-agent-state',
            )
          ).body.data['credential.json']!,
          'base64',
        ).toString(),
      ).clusterId as string;
      // The standby does nothing while it stands by.
      expect(second.out.stdout).not.toContain('agent: started');
      expect(second.out.stdout).not.toContain('nats: connected');

      const killedAt = Date.now();
      first.child.kill('SIGKILL');
      await first.exited;
      await expect
        .poll(() => second.out.stdout, { timeout: scaled(60_000), interval: 200 })
        .toContain('agent: started');
      const takeoverMs = Date.now() - killedAt;
      console.log(`leader election: the standby took over ${takeoverMs} ms after the leader was killed`);
      expect(takeoverMs).toBeLessThan(30_000);
      expect(second.out.stdout).toContain('registration: using the stored credential');
      expect(hub.registrations).toHaveLength(1);
      const before = await heartbeatCount(jsm, clusterId);
      await expect.poll(() => heartbeatCount(jsm, clusterId), { timeout: scaled(15_000) }).toBeGreaterThan(before);

      // A clean stop releases the lease: the next replica leads at once, not after 15 s.
      const third = runAgent(args('three'));
      running.push(third);
      await expect.poll(() => third.out.stdout, { timeout: scaled(20_000) }).toContain('leader: standing by');
      const stoppedAt = Date.now();
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      expect(second.out.stdout).toContain('leader: released the lease');
      await expect.poll(() => third.out.stdout, { timeout: scaled(20_000), interval: 200 }).toContain('agent: started');
      expect(Date.now() - stoppedAt).toBeLessThan(15_000);

      // A leader that finds the Lease taken (here: overwritten by hand) stops acting and exits 1.
      const held = (
        await client.request<{ metadata: Record<string, unknown>; spec: Record<string, unknown> }>(
          'GET',
          `${LEASES}/flotilla-agent`,
        )
      ).body;
      await client.request('PUT', `${LEASES}/flotilla-agent`, {
        body: { ...held, spec: { ...held.spec, holderIdentity: 'someone-else', leaseDurationSeconds: 15 } },
      });
      expect(await third.exited).toBe(1);
      expect(third.out.stderr).toContain('lost the leader-election lease (the lease is held by someone-else)');
    },
  );

  it('refuses --leader-elect without --kubeconfig (exit 2)', async () => {
    const agent = runAgent(['--name', 'x', '--leader-elect', 'true']);
    expect(await agent.exited).toBe(2);
    expect(agent.out.stderr).toContain('--leader-elect needs --kubeconfig');
  });
});

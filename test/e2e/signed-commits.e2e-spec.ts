/**
 * Issue 6 "Signed commits" end to end, on real parts: a control plane with FLEET_TRUSTED_KEYS_FILE
 * and FLEET_SIGNING_KEY_FILE, two kube-sim clusters each with a real agent started with the same
 * trusted keys, a fleet repo served by `git http-backend`, commits signed by real git + gpg.
 * A signed commit rolls out; an unsigned push is rejected by the control plane and reaches no
 * cluster; a desired state pointing an agent at an unsigned commit anyway (a hub that was fooled)
 * is refused by the agent itself and shown in `cluster.sync`; a bad signed commit is rolled back
 * with a revert commit the control plane signs, which the agents accept and apply.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESIRED_BUCKET, DesiredState } from '@flotilla/protocol';
import type { KubeSim } from '@flotilla/kube-sim';
import { createGpgKey, runGit, startGitServer, type GitServer, type GpgKey, scaled } from '@flotilla/testing';
import { createRegistrationToken, startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { appFiles, clusterPaths, startSimCluster } from './support/sim-fleet.js';

const CLUSTERS = [
  { name: 'canary-1', tag: 'canary' },
  { name: 'edge-1', tag: 'edge' },
];
const FLEET_YAML = `onFailure: rollback
waves:
  - { name: canary, selector: { anyOf: [canary] }, healthTimeout: 60s }
  - { name: edge, selector: { anyOf: [edge] }, healthTimeout: 60s }
`;
/** Its tests wait on a control plane, agents and git: a deadline that stretches with the load. */
const SLOW = { timeout: scaled(400_000) };

describe('signed commits end to end', SLOW, () => {
  let git: GitServer;
  let h: Harness;
  let dir: string;
  let key: GpgKey;
  const sims = new Map<string, KubeSim>();
  const agents: { stop(): Promise<void> }[] = [];

  const clusters = async () =>
    (
      await h.gql(
        `{ clusters(first: 10) { edges { node { id name sync { revision appliedRevision state health lastResult { error { stage code reason } } } } } } }`,
      )
    ).data.clusters.edges.map((e: any) => e.node);
  const rollouts = async () =>
    (
      await h.gql(`{ rollouts(first: 20) { edges { node { id phase revision reason rollbackRevision } } } }`)
    ).data.rollouts.edges.map((e: any) => e.node);
  const message = async (name: string) => {
    const res = await fetch(`${sims.get(name)!.url}/api/v1/namespaces/app/configmaps/settings`);
    return res.ok ? ((await res.json()) as any).data.message : undefined;
  };
  const fleetOn = (revision: string, what: string) =>
    eventually(
      async () => {
        const cs = await clusters();
        return (
          cs.length === CLUSTERS.length &&
          cs.every(
            (c: any) => c.sync.appliedRevision === revision && c.sync.state === 'SYNCED' && c.sync.health === 'HEALTHY',
          ) &&
          cs
        );
      },
      120_000,
      what,
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-signed-'));
    key = await createGpgKey({ name: 'Fleet Admin', email: 'admin@fleet.invalid' });
    await writeFile(join(dir, 'trusted.asc'), key.publicKey);
    await writeFile(join(dir, 'signing.asc'), key.secretKey, { mode: 0o600 });
    git = await startGitServer();
    await runGit(['config', 'http.receivepack', 'true'], { cwd: git.repoPath });
    await key.commitSigned(git.repoPath, {
      files: { 'fleet.yaml': FLEET_YAML, ...appFiles('nginx:1.27', 'v1'), ...clusterPaths(CLUSTERS) },
      message: 'v1',
    });
    h = await startHarness({
      FLEET_REPO_URL: git.url,
      FLEET_POLL_INTERVAL_SECONDS: '1',
      HEARTBEAT_INTERVAL_SECONDS: '2',
      FLEET_TRUSTED_KEYS_FILE: join(dir, 'trusted.asc'),
      FLEET_SIGNING_KEY_FILE: join(dir, 'signing.asc'),
    });
    for (const c of CLUSTERS) {
      const { token } = await createRegistrationToken(h, { name: c.tag, tags: [c.tag] });
      const { sim, agent } = await startSimCluster(c, {
        server: h.cp.url,
        token,
        dir,
        agent: { trustedKeysFile: join(dir, 'trusted.asc') },
      });
      sims.set(c.name, sim);
      agents.push(agent);
    }
  }, scaled(120_000));

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all([...sims.values()].map((s) => s.close()));
    await h?.close();
    await git?.close();
    await key?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies signed commits, refuses unsigned ones at the hub and at the agent, and rolls back with a signed revert', async () => {
    const v1 = await runGit(['rev-parse', 'main'], { cwd: git.repoPath });
    await fleetOn(v1, 'the fleet on the signed v1');

    // An unsigned push: the control plane rejects it and no cluster gets it.
    const unsigned = await git.commit({ files: appFiles('nginx:1.27', 'unsigned'), message: 'unsigned' });
    const rejected = await eventually(
      async () => (await rollouts()).find((r: any) => r.revision === unsigned && r.phase === 'REJECTED'),
      20_000,
      'the unsigned head rejected',
    );
    expect(rejected.reason).toContain(`commit ${unsigned} is not signed`);
    // Two more polls of the fleet repo, each leaving the clusters where they were.
    for (let i = 0; i < 2; i++) {
      const polledAt = async () => (await h.gql('{ fleetRepo { lastPolledAt } }')).data.fleetRepo.lastPolledAt;
      const before = await polledAt();
      await eventually(async () => (await polledAt()) !== before, 10_000, 'another poll of the fleet repo');
    }
    for (const c of await clusters()) expect(c.sync.revision).toBe(v1);
    for (const c of CLUSTERS) expect(await message(c.name)).toBe('v1');

    // A hub fooled into sending the unsigned commit anyway: the agent refuses it on its own.
    const edge = (await clusters()).find((c: any) => c.name === 'edge-1');
    const hub = await h.nats.connect(h.nats.hub);
    try {
      const kv = await new Kvm(hub).open(DESIRED_BUCKET);
      const current = DesiredState.parse((await kv.get(edge.id))!.json());
      await kv.put(edge.id, JSON.stringify({ ...current, revision: unsigned, updatedAt: new Date().toISOString() }));
    } finally {
      await hub.close();
    }
    const refused = await eventually(
      async () =>
        (await clusters()).find(
          (c: any) => c.name === 'edge-1' && c.sync.lastResult?.error?.code === 'COMMIT_UNSIGNED',
        ),
      30_000,
      'the agent refusing the unsigned commit',
    );
    // The hub still wants v1, so the cluster is OUT_OF_SYNC; its last result names the refused commit.
    expect(refused.sync).toMatchObject({
      state: 'OUT_OF_SYNC',
      revision: v1,
      appliedRevision: v1,
      lastResult: { error: { stage: 'source', reason: expect.stringContaining(`commit ${unsigned}`) } },
    });
    expect(await message('edge-1')).toBe('v1');
    // Sync now puts the hub's desired state back; the agent is on v1 again.
    expect((await h.gql(`mutation($id: ID!) { syncCluster(id: $id) { id } }`, { id: edge.id })).errors).toBeUndefined();
    await fleetOn(v1, 'the fleet back on v1 after sync now');

    // A bad signed commit: the canary fails, the control plane signs its revert, the agents accept it.
    const bad = await key.commitSigned(git.repoPath, {
      files: appFiles('nginx:broken', 'v2 (broken)'),
      message: 'v2 broken, signed',
    });
    const failed = await eventually(
      async () => (await rollouts()).find((r: any) => r.revision === bad && r.phase === 'ROLLED_BACK'),
      150_000,
      'the bad commit rolled back',
    );
    const revert = failed.rollbackRevision as string;
    await expect(
      runGit(['verify-commit', revert], { cwd: git.repoPath, env: { GNUPGHOME: key.home } }),
    ).resolves.toBeDefined();
    await fleetOn(revert, 'the fleet on the signed revert commit');
    for (const c of CLUSTERS) expect(await message(c.name)).toBe('v1');
  });
});

import { Kvm } from '@nats-io/kv';
import { DESIRED_BUCKET, type DesiredState } from '@flotilla/protocol';
import { startGitServer, type GitServer } from '@flotilla/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, readAsAgent, registerAgent } from './support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from './support/harness.js';

const FLEET_REPO = '{ fleetRepo { url branch headRevision lastPolledAt error } }';
const UPDATE_SYNC = 'mutation($input: UpdateClusterSyncInput!) { updateClusterSync(input: $input) { id } }';

describe('desired state', () => {
  let git: GitServer;
  let h: Harness;
  let first: string;
  beforeAll(async () => {
    git = await startGitServer();
    first = await git.commit({ files: { 'clusters/ds-one/app.yaml': 'kind: ConfigMap\n' }, message: 'first' });
    h = await startHarness({ FLEET_REPO_URL: git.url, FLEET_POLL_INTERVAL_SECONDS: '1' });
  });
  afterAll(async () => {
    await h?.close();
    await git?.close();
  });

  const agent = async (name: string) => registerAgent(h, (await createRegistrationToken(h)).token, name);
  const desiredOf = (id: string, want: (d: DesiredState) => boolean, what: string) =>
    eventually(
      async () => {
        const d = await readAsAgent(h, id);
        return d !== 'none' && want(d) && d;
      },
      8000,
      what,
    );

  it('reports the branch head it polled', async () => {
    const repo = await eventually(
      async () => (await h.gql(FLEET_REPO)).data.fleetRepo.headRevision && (await h.gql(FLEET_REPO)).data.fleetRepo,
      5000,
      'first poll',
    );
    expect(repo).toMatchObject({ url: git.url, branch: 'main', headRevision: first, error: null });
    expect(Date.parse(repo.lastPolledAt)).toBeGreaterThan(Date.now() - 5000);
  });

  it('publishes a registering cluster its desired state, readable by its own agent identity', async () => {
    const a = await agent('ds-one');
    try {
      const d = await readAsAgent(h, a.clusterId);
      expect(d).toMatchObject({
        clusterId: a.clusterId,
        repoUrl: git.url,
        branch: 'main',
        path: 'clusters/ds-one',
        revision: first,
        prune: true,
        selfHeal: true,
      });
    } finally {
      await a.close();
    }
  });

  it('moves every cluster to a new commit on the branch', async () => {
    const [a, b] = [await agent('ds-two'), await agent('ds-three')];
    const second = await git.commit({ files: { 'clusters/ds-two/app.yaml': 'kind: Secret\n' }, message: 'second' });
    for (const c of [a, b]) await desiredOf(c.clusterId, (d) => d.revision === second, `revision ${second}`);
    await a.close();
    await b.close();
  });

  it('publishes path, prune and self-heal changes, audited, and resets the path to the template', async () => {
    const a = await agent('ds-settings');
    await a.close();
    const r = await h.gql(UPDATE_SYNC, {
      input: { id: a.clusterId, path: 'envs/prod/edge', prune: false, selfHeal: false },
    });
    expect(r.errors).toBeUndefined();
    expect(await readAsAgent(h, a.clusterId)).toMatchObject({ path: 'envs/prod/edge', prune: false, selfHeal: false });
    await h.gql(UPDATE_SYNC, { input: { id: a.clusterId, path: '', selfHeal: true } });
    expect(await readAsAgent(h, a.clusterId)).toMatchObject({
      path: 'clusters/ds-settings',
      prune: false,
      selfHeal: true,
    });
    const audit = (await h.cp.app
      .get(DataSource)
      .query(`SELECT details FROM audit_events WHERE action = 'cluster.updateSync' AND target_id = $1 ORDER BY id`, [
        a.clusterId,
      ])) as { details: any }[];
    expect(audit.map((e) => e.details.to)).toEqual([
      { path: 'envs/prod/edge', prune: false, selfHeal: false },
      { path: 'clusters/ds-settings', prune: false, selfHeal: true },
    ]);
  });

  it('refuses paths that escape the repository and changes nothing', async () => {
    const a = await agent('ds-bad-path');
    await a.close();
    for (const path of ['../other', '/etc', 'a/../../b', 'a//b']) {
      const r = await h.gql(UPDATE_SYNC, { input: { id: a.clusterId, path } });
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.path' });
    }
    expect(await readAsAgent(h, a.clusterId)).toMatchObject({ path: 'clusters/ds-bad-path' });
    const missing = await h.gql(UPDATE_SYNC, { input: { id: '00000000-0000-4000-8000-000000000000', prune: false } });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('sync now republishes the desired state with a new updatedAt', async () => {
    const a = await agent('ds-sync-now');
    await a.close();
    const before = await readAsAgent(h, a.clusterId);
    const stamped = before !== 'none' ? Date.parse(before.updatedAt) : 0;
    await eventually(async () => Date.now() > stamped, 5000, 'a later millisecond');
    const r = await h.gql('mutation($id: ID!) { syncCluster(id: $id) { id } }', { id: a.clusterId });
    expect(r.errors).toBeUndefined();
    const after = await readAsAgent(h, a.clusterId);
    expect(after !== 'none' && before !== 'none' && Date.parse(after.updatedAt)).toBeGreaterThan(
      before !== 'none' ? Date.parse(before.updatedAt) : Infinity,
    );
  });

  it('deletes the desired state of a deregistered cluster', async () => {
    const a = await agent('ds-gone');
    await a.close();
    expect(await readAsAgent(h, a.clusterId)).not.toBe('none');
    await h.gql('mutation($id: ID!) { deregisterCluster(id: $id) { id } }', { id: a.clusterId });
    await eventually(async () => (await readAsAgent(h, a.clusterId)) === 'none', 5000, 'key deleted');
  });

  it("carries fleet.yaml's ignore rules to the clusters they select (by path glob and by tag), and republishes all when only they change", async () => {
    const hpa = await registerAgent(h, (await createRegistrationToken(h, { tags: ['hpa'] })).token, 'ds-ign-tagged');
    const plain = await agent('ds-ign-plain');
    const rules = (replicasManager: string) => `# fleet settings only: one wave of everything
ignore:
  - name: replicas-belong-to-the-hpa
    selector: {allOf: [hpa]}
    match: {group: apps, kind: Deployment}
    fields: [/spec/replicas]
  - name: cainjector-everywhere-under-clusters
    paths: ["clusters/*"]
    managers: [${replicasManager}]
  - name: nobody
    paths: ["envs/**"]
    fields: [/data]
`;
    await git.commit({ files: { 'fleet.yaml': rules('cainjector') }, message: 'ignore rules' });
    const tagged = await desiredOf(hpa.clusterId, (d) => !!d.ignore, 'ignore rules for the tagged cluster');
    expect(tagged.ignore).toEqual([
      { match: { group: 'apps', kind: 'Deployment' }, fields: ['/spec/replicas'], managers: [] },
      { fields: [], managers: ['cainjector'] },
    ]);
    const untagged = await desiredOf(plain.clusterId, (d) => !!d.ignore, 'ignore rules for the untagged cluster');
    expect(untagged.ignore).toEqual([{ fields: [], managers: ['cainjector'] }]);
    // A head that changes only fleet.yaml moves no cluster path, yet every cluster gets the new rules.
    await git.commit({ files: { 'fleet.yaml': rules('cert-manager-cainjector') }, message: 'rename a manager' });
    for (const c of [hpa, plain])
      await desiredOf(
        c.clusterId,
        (d) => JSON.stringify(d.ignore).includes('cert-manager-cainjector'),
        'the changed rules republished',
      );
    await git.commit({ files: { 'fleet.yaml': '# no rules\n' }, message: 'no rules' });
    await desiredOf(plain.clusterId, (d) => d.ignore === undefined, 'the rules gone');
    await hpa.close();
    await plain.close();
  });

  it('re-publishes, when the hub starts, the desired states its bucket lost', async () => {
    const [lost, kept] = [await agent('ds-lost'), await agent('ds-kept')];
    await Promise.all([lost.close(), kept.close()]);
    const before = await desiredOf(lost.clusterId, () => true, 'a desired state');
    await desiredOf(kept.clusterId, () => true, 'a desired state');
    await h.stopControlPlane();
    const nc = await h.nats.connect(h.nats.hub);
    try {
      const kv = await new Kvm(nc).open(DESIRED_BUCKET);
      // The lost key as a new or recreated bucket would have it: no value at all.
      await kv.purge(lost.clusterId);
      const keptValue = (await kv.get(kept.clusterId))!.string();
      expect((await kv.get(lost.clusterId))?.operation).toBe('PURGE');
      await h.startControlPlane();
      expect(await desiredOf(lost.clusterId, (d) => d.revision === before.revision, 'the lost key back')).toEqual(
        before,
      );
      expect((await kv.get(kept.clusterId))!.string()).toBe(keptValue);
    } finally {
      await nc.close();
    }
  });

  it('shows an unreachable repository as an error and keeps the desired revisions', async () => {
    const a = await agent('ds-outage');
    await a.close();
    const before = await readAsAgent(h, a.clusterId);
    await git.close();
    const repo = await eventually(
      async () => {
        const r = (await h.gql(FLEET_REPO)).data.fleetRepo;
        return r.error && r;
      },
      8000,
      'poll error',
    );
    expect(repo.error).toMatch(/cannot read http:\/\/127\.0\.0\.1:\d+\/fleet\.git/);
    expect(repo.headRevision).toBe(before !== 'none' && before.revision);
    expect(await readAsAgent(h, a.clusterId)).toEqual(before);
  });
});

describe('desired state with a missing branch', () => {
  it('names the missing branch and publishes nothing', async () => {
    await using git = await startGitServer();
    await git.commit({ files: { 'a.yaml': 'x: 1\n' }, message: 'only main' });
    const h = await startHarness({
      FLEET_REPO_URL: git.url,
      FLEET_BRANCH: 'release',
      FLEET_POLL_INTERVAL_SECONDS: '1',
    });
    try {
      const repo = await eventually(
        async () => (await h.gql(FLEET_REPO)).data.fleetRepo.error && (await h.gql(FLEET_REPO)).data.fleetRepo,
        5000,
        'poll error',
      );
      expect(repo).toMatchObject({
        branch: 'release',
        headRevision: null,
        error: expect.stringContaining('branch release does not exist'),
      });
      const a = await registerAgent(h, (await createRegistrationToken(h)).token, 'ds-no-branch');
      await a.close();
      expect(await readAsAgent(h, a.clusterId)).toBe('none');
    } finally {
      await h.close();
    }
  });
});

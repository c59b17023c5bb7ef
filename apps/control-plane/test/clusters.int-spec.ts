import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, registerAgent, type TestAgent } from './support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from './support/harness.js';

const PAGE = `query($filter: ClustersFilterInput, $first: Int, $after: String) {
  clusters(filter: $filter, first: $first, after: $after) { totalCount edges { cursor node { name tags connection } } pageInfo { hasNextPage endCursor } }
}`;

describe('clusters queries and mutations', () => {
  let h: Harness;
  const agents: Record<string, TestAgent> = {};
  beforeAll(async () => {
    h = await startHarness({ HEARTBEAT_INTERVAL_SECONDS: '60' });
    const prod = await createRegistrationToken(h, { tags: ['prod', 'eu'], maxUses: 10 });
    const dev = await createRegistrationToken(h, { tags: ['dev'], maxUses: 10 });
    for (const name of ['berlin', 'paris', 'oslo']) agents[name] = await registerAgent(h, prod.token, name);
    for (const name of ['dev-a', 'dev-b']) agents[name] = await registerAgent(h, dev.token, name);
    await agents.berlin!.heartbeat();
    await agents['dev-a']!.heartbeat();
    await eventually(
      async () => (await h.gql(PAGE, { filter: { connection: 'ONLINE' } })).data.clusters.totalCount === 2,
      5000,
      '2 online',
    );
  });
  afterAll(async () => {
    for (const a of Object.values(agents)) await a.close();
    await h?.close();
  });

  const names = async (variables: Record<string, unknown>) =>
    (await h.gql(PAGE, variables)).data.clusters.edges.map((e: { node: { name: string } }) => e.node.name);

  it('filters by tags (all of them), connection state and text', async () => {
    expect(await names({ filter: { tags: ['prod'] } })).toEqual(['berlin', 'oslo', 'paris']);
    expect(await names({ filter: { tags: ['prod', 'dev'] } })).toEqual([]);
    expect(await names({ filter: { connection: 'ONLINE' } })).toEqual(['berlin', 'dev-a']);
    expect(await names({ filter: { connection: 'PENDING', tags: ['dev'] } })).toEqual(['dev-b']);
    expect(await names({ filter: { search: 'AR' } })).toEqual(['paris']);
    expect(await names({ filter: { search: '%' } })).toEqual([]);
  });

  it('pages with cursors in name order', async () => {
    const first = (await h.gql(PAGE, { first: 2 })).data.clusters;
    expect(first.totalCount).toBe(5);
    expect(first.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['berlin', 'dev-a']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await h.gql(PAGE, { first: 10, after: first.pageInfo.endCursor })).data.clusters;
    expect(rest.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['dev-b', 'oslo', 'paris']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it('summarises the fleet by connection state and by tag', async () => {
    const s = (
      await h.gql(
        '{ fleetSummary { clusters { total online offline pending } byTag { tag total online offline pending } } }',
      )
    ).data.fleetSummary;
    expect(s.clusters).toEqual({ total: 5, online: 2, offline: 0, pending: 3 });
    expect(s.byTag).toEqual([
      { tag: 'dev', total: 2, online: 1, offline: 0, pending: 1 },
      { tag: 'eu', total: 3, online: 1, offline: 0, pending: 2 },
      { tag: 'prod', total: 3, online: 1, offline: 0, pending: 2 },
    ]);
  });

  it('finds one cluster by id or by name', async () => {
    const id = agents.oslo!.clusterId;
    expect((await h.gql('query($id: ID) { cluster(id: $id) { name } }', { id })).data.cluster).toEqual({
      name: 'oslo',
    });
    expect((await h.gql('{ cluster(name: "oslo") { id } }')).data.cluster).toEqual({ id });
    expect((await h.gql('{ cluster(name: "nowhere") { id } }')).data.cluster).toBeNull();
  });

  it('replaces tags and audits the change; unknown clusters are NOT_FOUND', async () => {
    const id = agents.paris!.clusterId;
    const r = await h.gql('mutation($input: UpdateClusterTagsInput!) { updateClusterTags(input: $input) { tags } }', {
      input: { id, tags: ['canary'] },
    });
    expect(r.data.updateClusterTags.tags).toEqual(['canary']);
    expect(await names({ filter: { tags: ['canary'] } })).toEqual(['paris']);
    const audit = (await h.gql('{ auditLog(first: 1) { edges { node { action targetId details } } } }')).data.auditLog
      .edges[0].node;
    expect(audit).toEqual({
      action: 'cluster.updateTags',
      targetId: id,
      details: { name: 'paris', from: ['prod', 'eu'], to: ['canary'] },
    });
    const missing = await h.gql(
      'mutation($input: UpdateClusterTagsInput!) { updateClusterTags(input: $input) { tags } }',
      { input: { id: '00000000-0000-4000-8000-000000000000', tags: [] } },
    );
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('deregistering removes a cluster from queries and frees its name', async () => {
    const id = agents['dev-b']!.clusterId;
    expect(
      (await h.gql('mutation($id: ID!) { deregisterCluster(id: $id) { name } }', { id })).data.deregisterCluster,
    ).toEqual({ name: 'dev-b' });
    expect(await names({})).not.toContain('dev-b');
    const again = await h.gql('mutation($id: ID!) { deregisterCluster(id: $id) { name } }', { id });
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const { token } = await createRegistrationToken(h);
    agents['dev-b2'] = await registerAgent(h, token, 'dev-b');
    expect(await names({ filter: { search: 'dev-b' } })).toEqual(['dev-b']);
  });
});

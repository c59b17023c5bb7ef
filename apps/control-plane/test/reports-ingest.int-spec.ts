import { startGitServer, type GitServer } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, registerAgent, type TestAgent } from './support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from './support/harness.js';
import { deployment, driftReport, syncReport } from './support/reports.js';

const SYNC = `query($id: ID) { cluster(id: $id) { sync { revision appliedRevision state health path
  lastResult { seq startedAt finishedAt durationMs objects { created configured unchanged deleted failed } error { stage code reason file retryable } } } } }`;
const OBJECTS =
  'query($id: ID, $after: String) { cluster(id: $id) { objects(first: 2, after: $after) { edges { node { kind namespace name action health revision } } pageInfo { hasNextPage endCursor } } } }';
const HISTORY = 'query($id: ID) { cluster(id: $id) { syncHistory(first: 10) { edges { node { seq state } } } } }';

describe('sync and drift report ingest', () => {
  let git: GitServer;
  let h: Harness;
  let head: string;
  const agents: TestAgent[] = [];
  beforeAll(async () => {
    git = await startGitServer();
    head = await git.commit({ files: { 'clusters/r/app.yaml': 'kind: ConfigMap\n' }, message: 'one' });
    h = await startHarness({ FLEET_REPO_URL: git.url, FLEET_POLL_INTERVAL_SECONDS: '1' });
    await eventually(
      async () => (await h.gql('{ fleetRepo { headRevision } }')).data.fleetRepo.headRevision === head,
      5000,
      'first poll',
    );
  });
  afterAll(async () => {
    for (const a of agents) await a.close().catch(() => undefined);
    await h?.close();
    await git?.close();
  });

  const agent = async (name: string) => {
    const a = await registerAgent(h, (await createRegistrationToken(h)).token, name);
    agents.push(a);
    return a;
  };
  const sync = async (id: string) => (await h.gql(SYNC, { id })).data.cluster.sync;
  const metric = async (line: string) => {
    const text = await (await fetch(`${h.cp.url}/metrics`)).text();
    const found = text.split('\n').find((l) => l.startsWith(line));
    return found ? Number(found.slice(line.length).trim()) : 0;
  };
  const ingested = (kind: string) => metric(`flotilla_reports_ingested_total{kind="${kind}"}`);

  it('is OUT_OF_SYNC with UNKNOWN health before the first report', async () => {
    const a = await agent('rep-new');
    expect(await sync(a.clusterId)).toMatchObject({
      revision: head,
      appliedRevision: null,
      state: 'OUT_OF_SYNC',
      health: 'UNKNOWN',
      path: 'clusters/rep-new',
      lastResult: null,
    });
  });

  it('stores a sync report: state, health, last result and the objects', async () => {
    const a = await agent('rep-synced');
    const objects = [
      deployment('api', 'created'),
      deployment('web', 'configured', 'Progressing'),
      deployment('db', 'unchanged'),
      { apiVersion: 'v1', kind: 'Namespace', name: 'web', action: 'unchanged', health: 'Healthy' } as const,
    ];
    await a.report('sync', syncReport(a.clusterId, 0, head, { objects, health: 'Progressing', durationMs: 321 }));
    const s = await eventually(
      async () => (await sync(a.clusterId)).lastResult && sync(a.clusterId),
      5000,
      'sync stored',
    );
    expect(s).toMatchObject({
      revision: head,
      appliedRevision: head,
      state: 'SYNCED',
      health: 'PROGRESSING',
      lastResult: {
        seq: 0,
        durationMs: 321,
        objects: { created: 1, configured: 1, unchanged: 2, deleted: 0, failed: 0 },
        error: null,
      },
    });
    const p1 = (await h.gql(OBJECTS, { id: a.clusterId })).data.cluster.objects;
    expect(p1.edges.map((e: any) => e.node)).toEqual([
      { kind: 'Namespace', namespace: null, name: 'web', action: 'UNCHANGED', health: 'HEALTHY', revision: head },
      { kind: 'Deployment', namespace: 'web', name: 'api', action: 'CREATED', health: 'HEALTHY', revision: head },
    ]);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = (await h.gql(OBJECTS, { id: a.clusterId, after: p1.pageInfo.endCursor })).data.cluster.objects;
    expect(p2.edges.map((e: any) => e.node.name)).toEqual(['db', 'web']);
    expect(p2.pageInfo.hasNextPage).toBe(false);
  });

  it('shows a failed reconcile with the stage, code, reason and file', async () => {
    const a = await agent('rep-failed');
    const error = {
      stage: 'render',
      code: 'INVALID_YAML',
      reason: 'bad indentation at line 3',
      file: 'clusters/rep-failed/app.yaml',
      retryable: false,
    } as const;
    await a.report(
      'sync',
      syncReport(a.clusterId, 0, head, { state: 'Failed', health: 'Healthy', appliedRevision: undefined, error }),
    );
    const s = await eventually(
      async () => (await sync(a.clusterId)).lastResult && sync(a.clusterId),
      5000,
      'sync stored',
    );
    expect(s).toMatchObject({ state: 'FAILED', appliedRevision: null, lastResult: { error } });
  });

  it('ignores a replayed report and keeps the highest seq as the latest when reports arrive out of order', async () => {
    const a = await agent('rep-order');
    const before = await ingested('sync');
    await a.report('sync', syncReport(a.clusterId, 5, head, { objects: [deployment('api', 'configured')] }));
    await a.report(
      'sync',
      syncReport(a.clusterId, 4, head, { state: 'Failed', objects: [deployment('api', 'failed', 'Degraded')] }),
    );
    await a.report(
      'sync',
      syncReport(a.clusterId, 5, head, { state: 'Reconciling', objects: [deployment('api', 'unchanged')] }),
    );
    await eventually(async () => (await ingested('sync')) >= before + 2, 5000, 'two reports ingested');
    await a.report(
      'sync',
      syncReport(a.clusterId, 4, head, { state: 'Reconciling', objects: [deployment('api', 'created')] }),
    );
    await a.report('sync', syncReport(a.clusterId, 6, head, { objects: [deployment('api', 'deleted')] }));
    await eventually(async () => (await sync(a.clusterId)).lastResult.seq === 6, 5000, 'seq 6');
    expect(await ingested('sync')).toBe(before + 3);
    const history = (await h.gql(HISTORY, { id: a.clusterId })).data.cluster.syncHistory.edges.map((e: any) => e.node);
    expect(history).toEqual([
      { seq: 6, state: 'SYNCED' },
      { seq: 5, state: 'SYNCED' },
      { seq: 4, state: 'FAILED' },
    ]);
    expect((await h.gql(OBJECTS, { id: a.clusterId })).data.cluster.objects.edges).toEqual([]);
  });

  it('goes OUT_OF_SYNC when a new commit is desired and the agent has not reported it', async () => {
    const a = await agent('rep-behind');
    await a.report('sync', syncReport(a.clusterId, 0, head));
    await eventually(async () => (await sync(a.clusterId)).state === 'SYNCED', 5000, 'SYNCED');
    const next = await git.commit({ files: { 'clusters/rep-behind/b.yaml': 'kind: Secret\n' }, message: 'two' });
    const s = await eventually(
      async () => {
        const got = await sync(a.clusterId);
        return got.revision === next && got;
      },
      5000,
      'new desired revision',
    );
    expect(s).toMatchObject({ state: 'OUT_OF_SYNC', appliedRevision: head, health: 'HEALTHY' });
    await a.report('sync', syncReport(a.clusterId, 1, next));
    await eventually(async () => (await sync(a.clusterId)).state === 'SYNCED', 5000, 'SYNCED at the new revision');
    head = next;
  });

  it('resolves each cluster of a page to its own sync state', async () => {
    const fleet = await Promise.all(['rep-page-a', 'rep-page-b', 'rep-page-c'].map((n) => agent(n)));
    await fleet[0]!.report('sync', syncReport(fleet[0]!.clusterId, 0, head));
    await fleet[1]!.report('sync', syncReport(fleet[1]!.clusterId, 0, head, { state: 'Failed', health: 'Degraded' }));
    await eventually(async () => (await sync(fleet[1]!.clusterId)).lastResult, 5000, 'reports stored');
    await eventually(async () => (await sync(fleet[0]!.clusterId)).lastResult, 5000, 'reports stored');
    const r = await h.gql(
      '{ clusters(filter: { search: "rep-page-" }) { edges { node { name sync { state health lastResult { seq } } } } } }',
    );
    expect(r.data.clusters.edges.map((e: any) => e.node)).toEqual([
      { name: 'rep-page-a', sync: { state: 'SYNCED', health: 'HEALTHY', lastResult: { seq: 0 } } },
      { name: 'rep-page-b', sync: { state: 'FAILED', health: 'DEGRADED', lastResult: { seq: 0 } } },
      { name: 'rep-page-c', sync: { state: 'OUT_OF_SYNC', health: 'UNKNOWN', lastResult: null } },
    ]);
  });

  it('refuses and counts bad reports at the relay, naming the field, and keeps ingesting', async () => {
    const a = await agent('rep-bad');
    const other = await agent('rep-bad-other');
    const refused = (code: string) => metric(`flotilla_relay_requests_total{outcome="refused",detail="${code}"}`);
    const [invalid0, mismatch0] = [await refused('invalid'), await refused('cluster_mismatch')];
    expect(await a.send('sync', '{ nope')).toMatchObject({ ok: false, code: 'invalid', retryable: false });
    const schema = await a.send('drift', { ...driftReport(a.clusterId, 1, head), managers: 'kubectl' });
    expect(!schema.ok && schema.error).toMatch(/^drift: managers: /);
    expect(await a.send('sync', syncReport(other.clusterId, 1, head))).toMatchObject({
      ok: false,
      code: 'cluster_mismatch',
    });
    await a.report('sync', syncReport(a.clusterId, 2, head));
    await eventually(async () => (await sync(a.clusterId)).lastResult?.seq === 2, 5000, 'good report after bad ones');
    expect([await refused('invalid'), await refused('cluster_mismatch')]).toEqual([invalid0 + 2, mismatch0 + 1]);
    expect((await sync(other.clusterId)).lastResult).toBeNull();
  });

  it('stores drift events once and filters them by cluster, time and resolution, a page at a time', async () => {
    const [a, b] = [await agent('rep-drift-a'), await agent('rep-drift-b')];
    const t0 = new Date(Date.now() - 60_000).toISOString();
    await a.report(
      'drift',
      driftReport(a.clusterId, 0, head, {
        detectedAt: t0,
        resolution: 'reported',
        revertedAt: undefined,
        revertLatencyMs: undefined,
      }),
    );
    await a.report(
      'drift',
      driftReport(a.clusterId, 1, head, {
        fields: ['data.password'],
        object: { apiVersion: 'v1', kind: 'Secret', namespace: 'web', name: 'creds' },
        managers: ['kubectl-edit'],
      }),
    );
    await a.report('drift', driftReport(a.clusterId, 1, head));
    await b.report('drift', driftReport(b.clusterId, 0, head));
    const Q =
      'query($f: DriftEventsFilterInput, $after: String) { driftEvents(filter: $f, first: 1, after: $after) { edges { node { clusterName object { kind name } fields managers resolution revertLatencyMs } } pageInfo { hasNextPage endCursor } } }';
    const page = async (f: object, after?: string) => (await h.gql(Q, { f, after })).data.driftEvents;
    await eventually(async () => (await page({ clusterId: b.clusterId })).edges.length === 1, 5000, 'drift stored');
    const p1 = await page({ clusterId: a.clusterId });
    expect(p1.edges[0].node).toEqual({
      clusterName: 'rep-drift-a',
      object: { kind: 'Secret', name: 'creds' },
      fields: ['data.password'],
      managers: ['kubectl-edit'],
      resolution: 'REVERTED',
      revertLatencyMs: 40,
    });
    const p2 = await page({ clusterId: a.clusterId }, p1.pageInfo.endCursor);
    expect(p2.edges[0].node).toMatchObject({ object: { kind: 'Deployment', name: 'api' }, resolution: 'REPORTED' });
    expect(p2.pageInfo.hasNextPage).toBe(false);
    expect((await page({ clusterId: a.clusterId, resolution: 'REPORTED' })).edges).toHaveLength(1);
    expect(
      (await page({ clusterId: a.clusterId, since: new Date(Date.now() - 30_000).toISOString() })).pageInfo.hasNextPage,
    ).toBe(false);
    const bad = await h.gql(Q, { f: { clusterId: 'nope' } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.clusterId' });
  });
});

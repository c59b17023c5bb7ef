/**
 * A pass over 10,000 objects reports more results than one NATS message holds (1 MiB): the agent
 * fits its report (apps/agent/src/report/fit-report.ts) and the hub stores it through the real
 * relay, with the counts of every object and the results that matter listed. Before, the report
 * exceeded the limit, was retried forever, and every later report waited behind it.
 */
import { PROTOCOL_VERSION, type ObjectResult } from '@flotilla/protocol';
import { startGitServer, type GitServer } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitReport } from '../../apps/agent/src/report/fit-report.js';
import { eventually, registerAgent, type TestAgent } from '../../apps/control-plane/test/support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { syncReport } from '../../apps/control-plane/test/support/reports.js';

const SYNC = `query($id: ID) { cluster(id: $id) { sync { lastResult { seq objects { created configured unchanged failed } } } } }`;
const OBJECT_NAMES = `query($id: ID) { cluster(id: $id) { objects(first: 200) { edges { node { name action } } } } }`;

describe('a sync report of 10,000 objects', () => {
  let git: GitServer;
  let h: Harness;
  let agent: TestAgent;
  beforeAll(async () => {
    git = await startGitServer();
    await git.commit({ files: { 'clusters/big/app.yaml': 'kind: ConfigMap\n' }, message: 'one' });
    h = await startHarness({ FLEET_REPO_URL: git.url });
    agent = await registerAgent(h, (await createRegistrationToken(h)).token, 'big');
  });
  afterAll(async () => {
    await agent?.close().catch(() => undefined);
    await h?.close();
    await git?.close();
  });

  it('travels fitted into one message and is stored with the counts of all its objects', async () => {
    const objects: ObjectResult[] = Array.from({ length: 10_000 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: `team-${i % 100}`,
      name: i === 7_777 ? 'refused-by-admission' : `settings-of-application-number-${i}`,
      action: i === 7_777 ? 'failed' : i < 2_000 ? 'configured' : 'unchanged',
      health: i === 7_777 ? 'Unknown' : 'Healthy',
      ...(i === 7_777 ? { message: 'admission webhook "policy" denied the request' } : {}),
    }));
    const full = syncReport(agent.clusterId, 0, 'c'.repeat(40), { objects, state: 'Failed', health: 'Healthy' });
    expect(Buffer.byteLength(JSON.stringify(full))).toBeGreaterThan(1024 * 1024);
    const fitted = fitReport(full);
    expect(fitted.protocol).toBe(PROTOCOL_VERSION);
    await agent.report('sync', fitted);
    const stored = await eventually(
      async () => (await h.gql(SYNC, { id: agent.clusterId })).data.cluster.sync.lastResult,
      10_000,
      'the report stored',
    );
    expect(stored).toMatchObject({ seq: 0, objects: { configured: 2_000, unchanged: 7_999, failed: 1, created: 0 } });
    const listed = (await h.gql(OBJECT_NAMES, { id: agent.clusterId })).data.cluster.objects.edges.map(
      (e: any) => e.node.name,
    );
    expect(listed.length).toBeGreaterThan(0);
    // The failed object is listed whatever else was left out.
    expect(fitted.objects.map((o) => o.name)).toContain('refused-by-admission');
  });
});

/**
 * A small fleet for the dashboard's end-to-end tests: protocol-level agents (registered over
 * HTTP, reporting over NATS as their own users) with tags, sync states, a drift event and
 * heartbeats; and, on demand, agents that follow their desired revision as real ones would.
 */
import type { GitServer } from '@flotilla/testing';
import { eventually, registerAgent, type TestAgent } from '../../control-plane/test/support/agent.js';
import { createRegistrationToken, type Harness } from '../../control-plane/test/support/harness.js';
import { deployment, driftReport, syncReport } from '../../control-plane/test/support/reports.js';

/** name → tags, and what its agent reports (none: registered but never heard from). */
export const FLEET = [
  { name: 'canary-1', tags: ['canary', 'eu'], report: 'synced' },
  { name: 'canary-2', tags: ['canary'], report: 'progressing' },
  { name: 'edge-eu-1', tags: ['edge-eu', 'eu'], report: 'synced' },
  { name: 'edge-eu-2', tags: ['edge-eu', 'eu'], report: 'failed' },
  { name: 'edge-eu-3', tags: ['edge-eu', 'eu'], report: 'synced' },
  { name: 'edge-us-1', tags: ['edge-us'], report: 'synced' },
  { name: 'edge-us-2', tags: ['edge-us'], report: 'none' },
  { name: 'cloud-1', tags: ['cloud'], report: 'synced' },
] as const;

const FLEET_YAML = `waves:
  - name: canary
    selector: { allOf: [canary] }
  - name: edge-eu
    selector: { allOf: [edge-eu] }
  - name: rest
    rest: true
`;

export const configMap = (cluster: string, version: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\ndata:\n  cluster: ${cluster}\n  version: "${version}"\n`;

/** The first commit: fleet.yaml (waves canary, edge-eu, rest) and one ConfigMap per cluster. */
export const commitFleet = (git: GitServer) =>
  git.commit({
    files: {
      'fleet.yaml': FLEET_YAML,
      ...Object.fromEntries(FLEET.map((c) => [`clusters/${c.name}/app.yaml`, configMap(c.name, '1')])),
    },
    message: 'fleet',
  });

export interface FakeFleet {
  agents: Map<string, TestAgent>;
  /** Reporting agents answer every new desired revision with Synced + Healthy; returns stop(). */
  followDesired(): () => void;
  close(): Promise<void>;
}

const FAILED = {
  stage: 'render',
  code: 'INVALID_YAML',
  reason: 'bad indentation at line 3',
  file: 'clusters/edge-eu-2/app.yaml',
  retryable: false,
} as const;

export async function startFakeFleet(h: Harness, head: string): Promise<FakeFleet> {
  const agents = new Map<string, TestAgent>();
  const reporting = FLEET.filter((c) => c.report !== 'none');
  for (const c of FLEET) {
    const a = await registerAgent(
      h,
      (await createRegistrationToken(h, { name: `for ${c.name}`, tags: [...c.tags] })).token,
      c.name,
    );
    agents.set(c.name, a);
    if (c.report === 'none') continue;
    await a.heartbeat();
    const progressing = c.report === 'progressing';
    const objects = [
      deployment('api', 'created'),
      deployment('web', progressing ? 'configured' : 'unchanged', progressing ? 'Progressing' : 'Healthy'),
    ];
    const over =
      c.report === 'failed'
        ? { state: 'Failed' as const, appliedRevision: undefined, objects: [], error: FAILED }
        : { objects, health: progressing ? ('Progressing' as const) : ('Healthy' as const) };
    await a.report('sync', syncReport(a.clusterId, 0, head, over));
  }
  const eu1 = agents.get('edge-eu-1')!;
  await eu1.report(
    'drift',
    driftReport(eu1.clusterId, 1, head, {
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'api' },
      managers: ['kubectl-scale'],
      fields: ['spec.replicas'],
    }),
  );
  await eventually(
    async () => {
      const r = await h.gql('{ clusters(first: 20) { edges { node { connection sync { state } } } } }');
      return (
        r.data.clusters.edges.filter((e: any) => e.node.connection === 'ONLINE' && e.node.sync.state !== 'OUT_OF_SYNC')
          .length === reporting.length
      );
    },
    15_000,
    'every reporting agent online with its sync state',
  );
  await eventually(
    async () =>
      (await h.gql('{ driftEvents(first: 5) { edges { node { id } } } }')).data.driftEvents.edges.length === 1,
    10_000,
    'drift stored',
  );
  // Keep the reporting agents online for the whole test, as real agents would.
  const heartbeats = setInterval(
    () =>
      reporting.forEach(
        (c) =>
          void agents
            .get(c.name)!
            .heartbeat()
            .catch(() => undefined),
      ),
    2000,
  );

  let seq = 100;
  const reported = new Map<string, string>(FLEET.map((c) => [c.name, head]));
  return {
    agents,
    followDesired() {
      let busy = false;
      const follow = async () => {
        const r = await h.gql('{ clusters(first: 50) { edges { node { name sync { revision } } } } }');
        for (const { node } of r.data?.clusters.edges ?? []) {
          const a = agents.get(node.name);
          if (
            !a ||
            !reporting.some((c) => c.name === node.name) ||
            !node.sync.revision ||
            reported.get(node.name) === node.sync.revision
          )
            continue;
          await a.report(
            'sync',
            syncReport(a.clusterId, seq++, node.sync.revision, { objects: [deployment('api', 'configured')] }),
          );
          reported.set(node.name, node.sync.revision);
        }
      };
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        void follow()
          .catch(() => undefined)
          .finally(() => (busy = false));
      }, 300);
      return () => clearInterval(timer);
    },
    async close() {
      clearInterval(heartbeats);
      for (const a of agents.values()) await a.close().catch(() => undefined);
    },
  };
}

/**
 * Issue 4 end to end: an agent process registers → manifests committed to Git are applied and
 * reported Synced + Healthy → hand edits with kubectl are drift, reported with kubectl's field
 * manager and reverted in under a second, with a signed alert → a file removed from Git prunes
 * that object only → broken YAML applies nothing and shows the error → with NATS down for 30 s
 * a hand edit is healed locally and its report arrives once NATS is back.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { scaled as scaledMs, startGitServer, type GitServer } from '@flotilla/testing';
import { createRegistrationToken, startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { ensureKubectl } from '../../scripts/setup-kubectl.mjs';
import { startAgentProcess, type AgentProcess } from './support/agent-process.js';
import { startAlertReceiver } from './support/alert-receiver.js';

const run = promisify(execFile);
const NAME = 'edge-e2e-1';
const PATH = `clusters/${NAME}`;

const deployment = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: web }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec: { containers: [{ name: api, image: "ghcr.io/stefanprodan/podinfo:6.7.0" }] }
`;
const FILES = {
  [`${PATH}/namespace.yaml`]: 'apiVersion: v1\nkind: Namespace\nmetadata: { name: web }\n',
  [`${PATH}/app.yaml`]: `${deployment(2)}---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings, namespace: web }\ndata: { mode: calm }\n`,
  [`${PATH}/extra.yaml`]:
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra, namespace: web }\ndata: { a: "1" }\n',
};

describe('agent reconcile end to end', () => {
  let git: GitServer;
  let h: Harness;
  let sim: KubeSim;
  let agent: AgentProcess;
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;

  const kubectl = async (...args: string[]) =>
    (await run(ensureKubectl(), ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(dir, 'kube-cache'), ...args]))
      .stdout;
  const sync = async () =>
    (
      await h.gql(
        `query($n: String!) { cluster(name: $n) { sync { state health revision appliedRevision lastResult { error { stage code reason file } } } } }`,
        { n: NAME },
      )
    ).data?.cluster?.sync;
  const synced = (revision: string) =>
    eventually(
      async () => {
        const s = await sync();
        return s?.state === 'SYNCED' && s.health === 'HEALTHY' && s.appliedRevision === revision ? s : undefined;
      },
      60_000,
      `Synced + Healthy at ${revision.slice(0, 8)}`,
    );
  const drifts = async () =>
    (
      await h.gql(
        `{ driftEvents(first: 50) { edges { node { object { kind name } fields managers resolution revertLatencyMs detectedAt } } } }`,
      )
    ).data.driftEvents.edges.map((e: any) => e.node);

  /** deploy/api's simulated rollout is done: no status write of the simulator's is still to come. */
  const apiSettled = () =>
    eventually(
      async () => {
        const [gen, observed] = (
          await kubectl(
            '-n',
            'web',
            'get',
            'deploy/api',
            '-o',
            'jsonpath={.metadata.generation} {.status.observedGeneration}',
          )
        ).split(' ');
        return gen !== '' && gen === observed;
      },
      20_000,
      'deploy/api settled',
    );
  /**
   * Every report the agent made so far has reached the control plane: a fresh hand edit of the
   * ConfigMap is reported after them (the agent's outbox delivers first in, first out).
   */
  const reportsFlushed = async () => {
    const settings = async () => (await drifts()).filter((x: any) => x.object.name === 'settings').length;
    const n = await settings();
    await kubectl(
      '-n',
      'web',
      'patch',
      'configmap/settings',
      '--type',
      'merge',
      '-p',
      `{"data":{"mode":"marker-${n}"}}`,
    );
    await eventually(async () => (await settings()) > n, 20_000, 'the marker drift report');
    await eventually(
      async () => (await kubectl('-n', 'web', 'get', 'configmap/settings', '-o', 'jsonpath={.data.mode}')) === 'calm',
      20_000,
      'the marker edit reverted',
    );
  };
  const logCount = (text: string) => agent.log().split(text).length - 1;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-agent-'));
    git = await startGitServer();
    await git.commit({ files: FILES, message: 'web app' });
    h = await startHarness({
      FLEET_REPO_URL: git.url,
      FLEET_POLL_INTERVAL_SECONDS: '1',
      HEARTBEAT_INTERVAL_SECONDS: '1',
      ALERT_GROUP_WINDOW_MS: '500',
      ALERT_RETRY_BASE_MS: '200',
    });
    receiver = await startAlertReceiver('e2e-alert-secret-0123456789');
    const target = await h.gql(
      `mutation($i: CreateNotificationTargetInput!) { createNotificationTarget(input: $i) { id } }`,
      {
        i: {
          name: 'ops',
          kind: 'WEBHOOK',
          url: receiver.url,
          secret: 'e2e-alert-secret-0123456789',
          events: ['DRIFT_DETECTED', 'SYNC_FAILED'],
        },
      },
    );
    expect(target.errors).toBeUndefined();
    sim = await startKubeSim({ port: 0, simulate: { delayMs: 200 }, kubeconfigPath: join(dir, 'kubeconfig') });
    const { token } = await createRegistrationToken(h, { tags: ['edge'] });
    agent = startAgentProcess({
      server: h.cp.url,
      token,
      name: NAME,
      'state-dir': join(dir, 'agent'),
      kubeconfig: sim.kubeconfigPath,
      'resync-interval': 600,
    });
  }, scaledMs(90_000));

  afterAll(async () => {
    await agent?.stop();
    await sim?.close();
    await h?.close();
    await receiver?.close();
    await git?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'applies, heals drift with who-did-it, prunes, refuses broken YAML and heals offline',
    async () => {
      const first = await runGitRevParse(git);
      await synced(first);
      expect(await kubectl('-n', 'web', 'get', 'deploy/api', '-o', 'jsonpath={.spec.replicas}')).toBe('2');

      // Hand edits: drift, reported with kubectl's field manager, reverted in under a second.
      await kubectl('-n', 'web', 'scale', 'deploy/api', '--replicas=7');
      await kubectl('-n', 'web', 'patch', 'configmap/settings', '--type', 'merge', '-p', '{"data":{"mode":"wild"}}');
      const [scaled, patched] = await eventually(
        async () => {
          const d = await drifts();
          const s = d.find((x: any) => x.object.name === 'api' && x.fields.includes('spec.replicas'));
          const p = d.find((x: any) => x.object.name === 'settings');
          return s && p ? [s, p] : undefined;
        },
        20_000,
        'two drift events',
      );
      expect(scaled).toMatchObject({ managers: ['kubectl'], resolution: 'REVERTED' });
      await apiSettled();
      await reportsFlushed();
      const scaleEvents = (await drifts()).filter((x: any) => x.object.name === 'api');
      expect(scaleEvents.map((x: any) => [x.fields, x.managers, x.resolution])).toEqual([
        [['spec.replicas'], ['kubectl'], 'REVERTED'],
      ]);
      expect(patched).toMatchObject({ managers: ['kubectl-patch'], resolution: 'REVERTED', fields: ['data.mode'] });
      expect(scaled.revertLatencyMs).toBeLessThan(scaledMs(1000));
      expect(patched.revertLatencyMs).toBeLessThan(scaledMs(1000));
      expect(await kubectl('-n', 'web', 'get', 'deploy/api', '-o', 'jsonpath={.spec.replicas}')).toBe('2');
      expect(await kubectl('-n', 'web', 'get', 'configmap/settings', '-o', 'jsonpath={.data.mode}')).toBe('calm');
      const alert = await eventually(
        async () => receiver.received.find((r) => JSON.stringify(r.body).includes(NAME)),
        20_000,
        'a drift alert',
      );
      expect(alert.signed).toBe(true);
      expect(receiver.received.every((r) => r.signed)).toBe(true);

      // A file removed from Git: that object is pruned, nothing else.
      const second = await git.commit({ files: { [`${PATH}/extra.yaml`]: null }, message: 'drop extra' });
      await synced(second);
      await eventually(
        async () => !(await kubectl('-n', 'web', 'get', 'configmaps', '-o', 'name')).includes('configmap/extra'),
        20_000,
        'extra pruned',
      );
      expect(await kubectl('-n', 'web', 'get', 'configmaps', '-o', 'name')).toContain('configmap/settings');
      expect(await kubectl('-n', 'web', 'get', 'deploy', '-o', 'name')).toContain('deployment.apps/api');

      // Broken YAML: nothing from that revision applied, the error visible, state intact.
      const broken = await git.commit({
        files: { [`${PATH}/app.yaml`]: `${deployment(9)}  broken: [unclosed\n` },
        message: 'broken',
      });
      const failed = await eventually(
        async () => {
          const s = await sync();
          return s?.revision === broken && s.state === 'FAILED' ? s : undefined;
        },
        60_000,
        'the broken revision reported as failed',
      );
      expect(failed.lastResult.error).toMatchObject({ stage: 'render', file: `${PATH}/app.yaml` });
      expect(failed.appliedRevision).toBe(second);
      expect(await kubectl('-n', 'web', 'get', 'deploy/api', '-o', 'jsonpath={.spec.replicas}')).toBe('2');
      const fixed = await git.commit({ files: { [`${PATH}/app.yaml`]: FILES[`${PATH}/app.yaml`]! }, message: 'fix' });
      await synced(fixed);

      // NATS down: a hand edit is healed locally and its report queued (a delivery failed); it
      // arrives after NATS returns.
      const before = (await drifts()).length;
      const queuedBefore = logCount('outbox: report not delivered');
      await h.nats.stop();
      const downAt = Date.now();
      await kubectl('-n', 'web', 'scale', 'deploy/api', '--replicas=4');
      await eventually(
        async () => (await kubectl('-n', 'web', 'get', 'deploy/api', '-o', 'jsonpath={.spec.replicas}')) === '2',
        5_000,
        'healed while offline',
      );
      await eventually(
        async () => logCount('outbox: report not delivered') > queuedBefore,
        30_000,
        'the agent to fail a delivery and queue the report',
      );
      expect((await drifts()).length).toBe(before);
      const upAt = Date.now();
      await h.nats.start();
      await eventually(
        async () => {
          const d = await drifts();
          return d.length > before ? d : undefined;
        },
        60_000,
        'the offline drift report',
      );
      await apiSettled();
      await reportsFlushed(); // anything else queued has arrived by now
      const offline = (await drifts()).filter(
        (x: any) => Date.parse(x.detectedAt) >= downAt && Date.parse(x.detectedAt) <= upAt,
      );
      // The edit made while NATS was down, reported once, as reverted.
      expect(offline.map((x: any) => [x.object.name, x.fields, x.resolution])).toEqual([
        ['api', ['spec.replicas'], 'REVERTED'],
      ]);
    },
    scaledMs(300_000),
  );
});

async function runGitRevParse(git: GitServer): Promise<string> {
  const { runGit } = await import('@flotilla/testing');
  return runGit(['rev-parse', 'refs/heads/main'], { cwd: git.repoPath });
}

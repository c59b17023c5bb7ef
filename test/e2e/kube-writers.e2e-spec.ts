/**
 * Issue 15 end to end: a fleet path with HPA-managed Deployments (one leaves replicas out, one
 * sets them and fleet.yaml's ignore rule hands them to the HPA), a webhook-injected sidecar, and a
 * cainjector-written webhook configuration and CRD, on a kube-sim whose other writers (HPA,
 * cainjector, Deployment controller, `kubectl rollout restart`) run on fast timers: ten minutes of
 * simulated activity (writes counted) pass with the cluster Synced throughout and zero drift events,
 * and a hand edit of a field the manifest owns is still reverted within a second.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectSidecar, startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { scaled, startGitServer, type GitServer } from '@flotilla/testing';
import { startAgent, type RunningAgent } from '../../apps/agent/src/agent.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import {
  conversionCrd,
  hpa,
  hpaDeployment,
  webhookConfiguration,
} from '../../apps/agent/test/support/writer-manifests.js';

const NAME = 'writers-e2e';
const PATH = `clusters/${NAME}`;
const NS = 'shop';
const SIMULATED_MS = 10 * 60_000;
const TIME_SCALE = 60;

const FILES = {
  'fleet.yaml': `ignore:
  - name: replicas-belong-to-the-hpa
    selector: {allOf: [autoscaled]}
    match: {group: apps, kind: Deployment}
    fields: [/spec/replicas]
`,
  [`${PATH}/namespace.yaml`]: `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${NS} }\n`,
  [`${PATH}/web.yaml`]: `${hpaDeployment(NS, 'web')}---\n${hpa(NS, 'web', 2, 4)}`,
  [`${PATH}/api.yaml`]: `${hpaDeployment(NS, 'api', 3)}---\n${hpa(NS, 'api', 2, 5)}`,
  [`${PATH}/hooks.yaml`]: webhookConfiguration('shop-policy'),
  [`${PATH}/crd.yaml`]: conversionCrd('gadgets', 'shop.example.com'),
};

describe('other writers in a real-looking cluster, end to end', () => {
  let git: GitServer;
  let h: Harness;
  let sim: KubeSim;
  let agent: RunningAgent;
  let dir: string;

  const sync = async () =>
    (
      await h.gql(`query($n: String!) { cluster(name: $n) { sync { state health revision appliedRevision } } }`, {
        n: NAME,
      })
    ).data?.cluster?.sync;
  const drifts = async () =>
    (
      await h.gql(
        `{ driftEvents(first: 100) { edges { node { object { kind name } fields managers resolution revertLatencyMs } } } }`,
      )
    ).data.driftEvents.edges.map((e: any) => e.node);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-e2e-writers-'));
    git = await startGitServer();
    await git.commit({ files: FILES, message: 'a shop with autoscaled Deployments, a webhook and a CRD' });
    h = await startHarness({
      FLEET_REPO_URL: git.url,
      FLEET_POLL_INTERVAL_SECONDS: '1',
      HEARTBEAT_INTERVAL_SECONDS: '1',
    });
    sim = await startKubeSim({
      port: 0,
      name: NAME,
      simulate: { delayMs: 50, progressDeadlineScale: 0.01 },
      kubeconfigPath: join(dir, 'kubeconfig'),
      writers: { timeScale: TIME_SCALE },
    });
    // The service mesh's mutating webhook (kube-sim's --inject-sidecar).
    sim.api.admission.mutating.push({
      name: 'sidecar.kube-sim.local',
      kinds: ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'],
      mutate: injectSidecar({ name: 'sidecar', image: 'envoy:1.31' }),
    });
    const { token } = await createRegistrationToken(h, { tags: ['autoscaled'] });
    agent = await startAgent({
      server: h.cp.url,
      token,
      name: NAME,
      stateDir: join(dir, 'agent'),
      kubeconfig: sim.kubeconfigPath,
      facts: { provider: 'kube-sim', region: 'local', kubeVersion: 'v1.33.0', nodeCount: 1 },
      logLevel: 'silent',
      resyncSeconds: 5,
      healthTimeoutSeconds: Math.ceil(scaled(30_000) / 1000),
    });
  }, scaled(120_000));

  afterAll(async () => {
    sim?.writers.stop();
    await agent?.stop();
    await sim?.close();
    await h?.close();
    await git?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    'stays Synced with zero drift events through ten simulated minutes of other writers, and still reverts a hand edit within a second',
    async () => {
      const synced = await eventually(
        async () => {
          const s = await sync();
          return s?.state === 'SYNCED' && s.health === 'HEALTHY' && s.appliedRevision ? s : undefined;
        },
        scaled(60_000),
        'Synced + Healthy',
      );
      const live = (name: string) => sim.api.store.get('deployments.apps', NS, name) as any;
      expect(live('web').spec.template.spec.containers.map((c: any) => c.name)).toEqual(['app', 'sidecar']);

      // Ten minutes of the other writers, at their real periods, in ten seconds of wall clock.
      const from = sim.writers.clock.now();
      for (const w of ['hpa', 'cainjector', 'deploymentController', 'rolloutRestart'] as const)
        sim.writers.set(w, true);
      const states = new Set<string>();
      while (sim.writers.clock.now() - from < SIMULATED_MS) {
        states.add((await sync())?.state);
        await new Promise((r) => setTimeout(r, 250));
      }
      sim.writers.stop();
      const counts = { ...sim.writers.counts };
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      console.log(
        `kube-writers e2e: ${total} writes by other writers in ${SIMULATED_MS / 60_000} simulated minutes: ${JSON.stringify(counts)}`,
      );
      // HPA every 15 s on two Deployments, cainjector every 60 s on two objects, a restart every
      // 2 min on two Deployments, the Deployment controller on each template change.
      expect(counts.hpa).toBeGreaterThanOrEqual(60);
      expect(counts.cainjector).toBeGreaterThanOrEqual(14);
      expect(counts.rolloutRestart).toBeGreaterThanOrEqual(6);
      expect(counts.deploymentController).toBeGreaterThanOrEqual(counts.rolloutRestart / 2);
      expect([...states]).toEqual(['SYNCED']);
      expect(live('api').spec.replicas).not.toBe(3); // the HPA's, as fleet.yaml says
      expect(live('web').spec.template.spec.containers.map((c: any) => c.name)).toEqual(['app', 'sidecar']);
      expect(live('web').spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
      // A resync after all that writes nothing and reports nothing.
      await new Promise((r) => setTimeout(r, scaled(6_000)));
      expect(await drifts()).toEqual([]);
      expect(await sync()).toMatchObject({ state: 'SYNCED', appliedRevision: synced.appliedRevision });

      // A hand edit of a field the manifest owns is still drift, reverted within a second.
      const t = sim.api.registry.lookup('apps', 'v1', 'deployments')!;
      sim.api.patch(
        t,
        NS,
        'web',
        'strategic',
        { spec: { template: { spec: { containers: [{ name: 'app', image: 'evil:1' }] } } } },
        { manager: 'kubectl-edit', dryRun: false, force: false },
      );
      const [edit] = await eventually(
        async () => {
          const d = await drifts();
          return d.length ? d : undefined;
        },
        scaled(20_000),
        'the hand edit reported',
      );
      expect(edit).toMatchObject({
        object: { kind: 'Deployment', name: 'web' },
        fields: ['spec.template.spec.containers[name="app"].image'],
        managers: ['kubectl-edit'],
        resolution: 'REVERTED',
      });
      expect(edit.revertLatencyMs).toBeLessThan(scaled(1000));
      console.log(`kube-writers e2e: hand edit reverted in ${edit.revertLatencyMs} ms`);
      expect(live('web').spec.template.spec.containers[0].image).toBe('nginx:1.27');
    },
    scaled(180_000),
  );
});

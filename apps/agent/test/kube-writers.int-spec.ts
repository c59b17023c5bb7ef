// The agent never fights the other writers of a real cluster (kube-sim's writers/, each on a fast
// timer with its own field manager): an HPA on /scale, cert-manager's cainjector on caBundle, the
// Deployment controller on status and the revision annotation, `kubectl rollout restart` on the pod
// template — zero drift reports and an unchanged resync while they write fields the manifests leave
// out. A field the manifest does set that a writer keeps changing (an HPA against `replicas: 2`) is
// reverted until the fight cutoff, then given up with one alert naming kube-controller-manager.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@flotilla/gitops';
import { Writers, type WriterName } from '@flotilla/kube-sim';
import type { ReconcileRuntime } from '../src/reconcile/runtime.js';
import { namespace } from './support/manifests.js';
import { startReconcileEnv, waitFor, type ReconcileEnv } from './support/reconcile-env.js';
import { conversionCrd, hpa, hpaDeployment, webhookConfiguration } from './support/writer-manifests.js';

const NS = 'writers';

describe('other writers in the cluster', () => {
  let env: ReconcileEnv;
  let runtime: ReconcileRuntime;
  let writers: Writers | undefined;

  /** Resource key, namespace and name in kube-sim's store of every object the agent applied. */
  const objects: Array<[string, string, string, string]> = [
    ['deployments.apps', NS, 'scaled', `${NS}_scaled_apps_Deployment`],
    ['deployments.apps', NS, 'restarted', `${NS}_restarted_apps_Deployment`],
    [
      'validatingwebhookconfigurations.admissionregistration.k8s.io',
      '',
      'hooks',
      '_hooks_admissionregistration.k8s.io_ValidatingWebhookConfiguration',
    ],
    [
      'customresourcedefinitions.apiextensions.k8s.io',
      '',
      'gadgets.example.com',
      '_gadgets.example.com_apiextensions.k8s.io_CustomResourceDefinition',
    ],
  ];
  const stored = (key: string, ns: string, name: string) => env.sim.api.store.get(key, ns, name) as KubeObject;

  /** The agent's watch cache holds the latest version of every object and every check and revert is done. */
  const caughtUp = async () => {
    for (const [key, ns, name, id] of objects)
      await waitFor(
        () => runtime.live.get(id)?.metadata['resourceVersion'],
        (v) => v === stored(key, ns, name).metadata['resourceVersion'],
        10_000,
        `the agent to see ${name}`,
      );
    await runtime.drift.settled();
  };

  /** Runs one writer on a fast timer (simulated time 60× faster) until it made `writes` writes. */
  const runWriter = async (name: WriterName, writes: number, intervalMs: number, afterFirstPass?: () => void) => {
    writers = new Writers(env.sim.api, { timeScale: 60, [name]: { intervalMs } });
    if (afterFirstPass) {
      writers.run(name);
      afterFirstPass();
    }
    await waitFor(
      () => writers!.counts[name],
      (n) => n >= writes,
      20_000,
      `${writes} writes by ${name}`,
    );
    writers.stop();
    return writers.counts[name];
  };

  /** No drift reported, and a resync writes nothing. */
  const expectNoFight = async () => {
    await caughtUp();
    expect(await env.driftReports()).toEqual([]);
    const n = (await env.syncReports()).length;
    await runtime.loop.trigger('resync');
    const last = (await env.waitSync((r) => r.length > n)).at(-1)!;
    expect(last.state).toBe('Synced');
    expect(last.objects.filter((o) => o.action !== 'unchanged')).toEqual([]);
  };

  beforeAll(async () => {
    env = await startReconcileEnv();
    const rev = await env.git.commit({
      files: {
        'clusters/edge/ns.yaml': namespace(NS),
        'clusters/edge/scaled.yaml': hpaDeployment(NS, 'scaled') + '---\n' + hpa(NS, 'scaled', 2, 5),
        'clusters/edge/restarted.yaml': hpaDeployment(NS, 'restarted', 1),
        'clusters/edge/hooks.yaml': webhookConfiguration('hooks'),
        'clusters/edge/crd.yaml': conversionCrd('gadgets', 'example.com'),
      },
      message: 'objects other writers act on',
    });
    runtime = await env.startAgent();
    await env.putDesired({ revision: rev, selfHeal: true });
    await env.waitSync((r) => r.some((x) => x.state === 'Synced'));
  });
  afterAll(async () => {
    writers?.stop();
    await env?.close();
  });

  it('HPA: replicas written through /scale by kube-controller-manager are not drift', async () => {
    const writes = await runWriter('hpa', 10, 15_000);
    expect(writes).toBeGreaterThanOrEqual(10);
    const live = stored('deployments.apps', NS, 'scaled') as KubeObject & { spec: { replicas: number } };
    expect([2, 5]).toContain(live.spec.replicas);
    expect(live.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: 'kube-controller-manager', subresource: 'scale' }),
    );
    await expectNoFight();
  });

  it('cainjector: rotating caBundle of a webhook configuration and a CRD conversion webhook is not drift', async () => {
    const writes = await runWriter('cainjector', 10, 60_000);
    expect(writes).toBeGreaterThanOrEqual(10);
    const hooks = stored('validatingwebhookconfigurations.admissionregistration.k8s.io', '', 'hooks') as any;
    expect(hooks.webhooks[0].clientConfig.caBundle).toBeTruthy();
    await expectNoFight();
  });

  it('Deployment controller: the revision annotation and status are not drift', async () => {
    // After its first pass (revision 1), a template change (as kubectl rollout restart makes) is revision 2.
    const t = env.sim.api.registry.lookup('apps', 'v1', 'deployments')!;
    const restart = () =>
      env.sim.api.patch(
        t,
        NS,
        'restarted',
        'strategic',
        {
          spec: {
            template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } } },
          },
        },
        { manager: 'kubectl-rollout', dryRun: false, force: false },
      );
    const writes = await runWriter('deploymentController', 3, 5_000, restart);
    expect(writes).toBeGreaterThanOrEqual(2);
    expect(
      stored('deployments.apps', NS, 'restarted').metadata.annotations?.['deployment.kubernetes.io/revision'],
    ).toBe('2');
    await expectNoFight();
  });

  it('kubectl rollout restart: the restartedAt pod-template annotation is not drift', async () => {
    const writes = await runWriter('rolloutRestart', 5, 120_000);
    expect(writes).toBeGreaterThanOrEqual(5);
    await expectNoFight();
  });

  it('an HPA against a manifest that sets replicas: reverted until the cutoff, then one alert naming kube-controller-manager', async () => {
    const rev = await env.git.commit({
      files: { 'clusters/edge/pinned.yaml': hpaDeployment(NS, 'pinned', 2) + '---\n' + hpa(NS, 'pinned', 5, 6) },
      message: 'a Deployment that pins replicas under an HPA',
    });
    const n = (await env.syncReports()).length;
    await env.putDesired({ revision: rev, selfHeal: true });
    await env.waitSync((r) => r.length > n && r.at(-1)!.revision === rev && r.at(-1)!.state === 'Synced');
    writers = new Writers(env.sim.api, { timeScale: 60, hpa: { intervalMs: 15_000 } });
    const reports = await env.waitDrift((r) => r.some((d) => d.resolution === 'reported'), 30_000);
    writers.stop();
    const pinned = reports.filter((d) => d.object.name === 'pinned');
    expect(pinned.filter((d) => d.resolution === 'reverted').length).toBe(5);
    const alerts = pinned.filter((d) => d.resolution === 'reported');
    expect(alerts).toEqual([
      expect.objectContaining({
        fields: ['spec.replicas'],
        managers: ['kube-controller-manager'],
        message: expect.stringContaining('fighting writer: kube-controller-manager'),
      }),
    ]);
    // Only the pinned Deployment was ever reported.
    expect(reports.every((d) => d.object.name === 'pinned')).toBe(true);
  });
});

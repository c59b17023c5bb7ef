// Other writers inside kube-sim (HPA on /scale, cainjector on caBundle, the Deployment controller
// on status and the revision annotation, `kubectl rollout restart`, client-side-apply seeding):
// what each leaves in managedFields, read back with the real kubectl — and, where kubectl itself
// makes the same kind of write (scale, rollout restart, client-side apply), the same entry shape
// as kubectl's own write on the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeSim, seedClientSideApply, startKubeSim } from '../src/index.js';
import { Kubectl, kubectlPath, until } from './kubectl-runner.js';

let sim: KubeSim;
let k: Kubectl;

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  subresource?: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  time?: string;
}

const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: app, image: "nginx:1.27"}]}
`;

async function getJson(...args: string[]): Promise<any> {
  const r = await k.run('get', ...args, '-o', 'json', '--show-managed-fields');
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

/** The managedFields entry of `manager` (and subresource), without its time. */
function entry(obj: any, manager: string, subresource?: string): Omit<Entry, 'time'> | undefined {
  const e = (obj.metadata.managedFields as Entry[]).find((m) => m.manager === manager && m.subresource === subresource);
  if (!e) return undefined;
  const { time, ...rest } = e;
  expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  return rest;
}

async function ssa(name: string, yaml: string): Promise<void> {
  const r = await k.run('apply', '--server-side', '--field-manager=flotilla', '-f', k.file(name, yaml));
  expect(r.stderr).toBe('');
}

beforeAll(async () => {
  sim = await startKubeSim({ port: 0, simulate: false });
  k = new Kubectl(await kubectlPath(), sim.kubeconfigPath);
});
afterAll(async () => {
  await sim?.close();
  k?.cleanup();
});

describe('kube-sim writers', () => {
  it('HPA: writes /scale as kube-controller-manager (Update, subresource scale), like kubectl scale does as kubectl', async () => {
    await ssa('hpa-web.yaml', deployment('hpa-web'));
    await ssa('kscale.yaml', deployment('kscale'));
    await ssa(
      'hpa.yaml',
      `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: hpa-web, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: hpa-web}
  minReplicas: 2
  maxReplicas: 5
`,
    );
    sim.writers.set('hpa', { intervalMs: 3_600_000 });
    expect(sim.writers.run('hpa')).toBe(1);
    expect(sim.writers.run('hpa')).toBe(1);
    expect(sim.writers.run('hpa')).toBe(1);
    expect(sim.writers.counts.hpa).toBe(3);
    const web = await getJson('deployment', 'hpa-web');
    expect(web.spec.replicas).toBe(5); // 1 → 5 → 2 → 5
    const scaleEntry = {
      manager: 'kube-controller-manager',
      operation: 'Update',
      apiVersion: 'apps/v1',
      subresource: 'scale',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    };
    expect(entry(web, 'kube-controller-manager', 'scale')).toEqual(scaleEntry);
    expect(entry(web, 'flotilla')).toMatchObject({ operation: 'Apply' });
    expect(JSON.stringify(entry(web, 'flotilla')?.fieldsV1)).not.toContain('f:replicas');
    // The real kubectl's own /scale write is recorded the same way, under its own name.
    expect((await k.run('scale', 'deployment/kscale', '--replicas=3')).code).toBe(0);
    expect(entry(await getJson('deployment', 'kscale'), 'kubectl', 'scale')).toEqual({
      ...scaleEntry,
      manager: 'kubectl',
    });
    const hpa = await getJson('hpa', 'hpa-web');
    expect(hpa.status).toMatchObject({ currentReplicas: 2, desiredReplicas: 5 });
    expect(entry(hpa, 'kube-controller-manager', 'status')).toMatchObject({
      operation: 'Update',
      apiVersion: 'autoscaling/v2',
    });
    sim.writers.set('hpa', false);
  });

  it('cainjector: sets caBundle of annotated webhooks and CRD conversion webhooks as an Update of only those fields', async () => {
    await ssa(
      'vwc.yaml',
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: policy
  annotations: {cert-manager.io/inject-ca-from: "cert-manager/policy-ca"}
webhooks:
- name: check.policy.example.com
  admissionReviewVersions: [v1]
  sideEffects: None
  clientConfig: {service: {name: policy, namespace: policy, path: /validate}}
  rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
`,
    );
    await ssa(
      'vwc-plain.yaml',
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: not-injected}
webhooks:
- name: other.example.com
  admissionReviewVersions: [v1]
  sideEffects: None
  clientConfig: {url: "https://example.com/v"}
`,
    );
    await ssa(
      'crd.yaml',
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
  annotations: {cert-manager.io/inject-ca-from: "widgets/widgets-ca"}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  conversion:
    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1]
      clientConfig: {service: {name: widgets, namespace: widgets, path: /convert}}
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
`,
    );
    sim.writers.set('cainjector', { intervalMs: 3_600_000 });
    expect(sim.writers.run('cainjector')).toBe(2);
    const vwc = await getJson('validatingwebhookconfiguration', 'policy');
    const bundle = vwc.webhooks[0].clientConfig.caBundle as string;
    expect(Buffer.from(bundle, 'base64').toString()).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(vwc.webhooks[0].clientConfig.service).toEqual({ name: 'policy', namespace: 'policy', path: '/validate' });
    expect(entry(vwc, 'cainjector')).toEqual({
      manager: 'cainjector',
      operation: 'Update',
      apiVersion: 'admissionregistration.k8s.io/v1',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:webhooks': { 'k:{"name":"check.policy.example.com"}': { 'f:clientConfig': { 'f:caBundle': {} } } },
      },
    });
    const crd = await getJson('crd', 'widgets.example.com');
    expect(crd.spec.conversion.webhook.clientConfig.caBundle).toBe(bundle);
    expect(entry(crd, 'cainjector')?.fieldsV1).toEqual({
      'f:spec': { 'f:conversion': { 'f:webhook': { 'f:clientConfig': { 'f:caBundle': {} } } } },
    });
    const plain = await getJson('validatingwebhookconfiguration', 'not-injected');
    expect(plain.webhooks[0].clientConfig.caBundle).toBeUndefined();
    // A rotation writes a new bundle; the applier keeps its fields.
    expect(sim.writers.run('cainjector')).toBe(2);
    const rotated = await getJson('validatingwebhookconfiguration', 'policy');
    expect(rotated.webhooks[0].clientConfig.caBundle).not.toBe(bundle);
    expect(JSON.stringify(entry(rotated, 'flotilla')?.fieldsV1)).toContain('f:service');
    sim.writers.set('cainjector', false);
  });

  it('Deployment controller: the revision annotation and status through /status; a rollout restart is revision 2', async () => {
    await ssa('rev.yaml', deployment('rev'));
    sim.writers.set('deploymentController', { intervalMs: 3_600_000 });
    expect(sim.writers.run('deploymentController')).toBeGreaterThanOrEqual(1);
    let rev = await getJson('deployment', 'rev');
    expect(rev.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');
    expect(rev.status.observedGeneration).toBe(1);
    expect(entry(rev, 'kube-controller-manager', 'status')).toEqual({
      manager: 'kube-controller-manager',
      operation: 'Update',
      apiVersion: 'apps/v1',
      subresource: 'status',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:annotations': { '.': {}, 'f:deployment.kubernetes.io/revision': {} } },
        'f:status': { 'f:observedGeneration': {} },
      },
    });
    expect(sim.writers.run('deploymentController')).toBe(0); // nothing changed: no write
    expect((await k.run('rollout', 'restart', 'deployment/rev')).code).toBe(0);
    sim.writers.run('deploymentController');
    rev = await getJson('deployment', 'rev');
    expect(rev.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    expect(rev.status.observedGeneration).toBe(2);
    // A main-resource update of the same annotation stays impossible through /status for other kinds.
    expect(entry(rev, 'kube-controller-manager')).toBeUndefined();
    sim.writers.set('deploymentController', false);
  });

  it('rollout restart: the same managedFields entry as the real `kubectl rollout restart`', async () => {
    await ssa('by-kubectl.yaml', deployment('by-kubectl'));
    await ssa('by-writer.yaml', deployment('by-writer'));
    expect((await k.run('rollout', 'restart', 'deployment/by-kubectl')).code).toBe(0);
    sim.writers.set('rolloutRestart', { intervalMs: 3_600_000, names: ['by-writer'] });
    expect(sim.writers.run('rolloutRestart')).toBe(1);
    const real = await getJson('deployment', 'by-kubectl');
    const ours = await getJson('deployment', 'by-writer');
    expect(entry(ours, 'kubectl-rollout')).toEqual(entry(real, 'kubectl-rollout'));
    expect(entry(ours, 'kubectl-rollout')).toEqual({
      manager: 'kubectl-rollout',
      operation: 'Update',
      apiVersion: 'apps/v1',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:spec': {
          'f:template': {
            'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/restartedAt': {} } },
          },
        },
      },
    });
    const at = ours.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'] as string;
    expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    sim.writers.set('rolloutRestart', false);
  });

  it('client-side apply: a seeded object carries what the real `kubectl apply` leaves (annotation and managedFields)', async () => {
    const cm = (name: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default', labels: { team: 'a' } },
      data: { keep: '1', drop: '2' },
    });
    const r = await k.run('apply', '-f', k.file('csa.yaml', JSON.stringify(cm('csa-kubectl'))));
    expect(r.code).toBe(0);
    seedClientSideApply(sim.api, cm('csa-seeded'));
    const real = await getJson('configmap', 'csa-kubectl');
    const ours = await getJson('configmap', 'csa-seeded');
    const last = 'kubectl.kubernetes.io/last-applied-configuration';
    expect(ours.metadata.annotations[last]).toBe(real.metadata.annotations[last].replace('csa-kubectl', 'csa-seeded'));
    expect(entry(ours, 'kubectl-client-side-apply')).toEqual(entry(real, 'kubectl-client-side-apply'));
    expect(entry(ours, 'kubectl-client-side-apply')).toMatchObject({ operation: 'Update', apiVersion: 'v1' });
  });

  it('timers: with timeScale 600 a 15 s HPA period is a write every 25 ms of wall clock, counted', async () => {
    const fast = await startKubeSim({ port: 0, simulate: false, writers: { timeScale: 600, hpa: true } });
    try {
      const dt = fast.api.registry.lookup('apps', 'v1', 'deployments')!;
      fast.api.apply(dt, 'default', 'web', JSON.parse(JSON.stringify(yamlDeployment('web'))), {
        manager: 'flotilla',
        dryRun: false,
        force: true,
      });
      const ht = fast.api.registry.lookup('autoscaling', 'v2', 'horizontalpodautoscalers')!;
      fast.api.create(
        ht,
        'default',
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'web', namespace: 'default' },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
            minReplicas: 1,
            maxReplicas: 3,
          },
        },
        { manager: 'flotilla', dryRun: false },
      );
      const started = Date.now();
      await until(() => fast.writers.counts.hpa >= 8, 10_000, '8 HPA writes');
      expect(fast.writers.active()).toEqual(['hpa']);
      // Eight 15 s periods of simulated time: at least 2 simulated minutes passed.
      expect(fast.writers.clock.now() - started).toBeGreaterThanOrEqual(8 * 15_000 - 1_000);
    } finally {
      await fast.close();
    }
  });
});

function yamlDeployment(name: string): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
    },
  };
}

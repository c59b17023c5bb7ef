// Immutable fields: the real kubectl changes a field a real API server keeps fixed and gets the
// real server's 422 Invalid (exit 1, its message); allowed changes of the same objects pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeSim, startKubeSim } from '../src/index.js';
import { Kubectl, kubectlPath } from './kubectl-runner.js';

let sim: KubeSim;
let k: Kubectl;

beforeAll(async () => {
  sim = await startKubeSim({ port: 0, simulate: false });
  k = new Kubectl(await kubectlPath(), sim.kubeconfigPath);
});

afterAll(async () => {
  await sim?.close();
  k?.cleanup();
});

const deployment = (app: string, image = 'nginx:1.27') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec: {containers: [{name: app, image: ${image}}]}
`;

const statefulSet = (serviceName: string, replicas: number) => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  serviceName: ${serviceName}
  replicas: ${replicas}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:17}]}
`;

const job = (image: string) => `apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: default}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: m, image: ${image}}]}
`;

const pvc = (size: string, mode: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec:
  accessModes: [${mode}]
  resources: {requests: {storage: ${size}}}
`;

const configMap = (value: string, immutable: boolean) => `apiVersion: v1
kind: ConfigMap
metadata: {name: frozen, namespace: default}
immutable: ${immutable}
data: {key: "${value}"}
`;

async function apply(name: string, yaml: string) {
  return k.run('apply', '--server-side', '--force-conflicts', '-f', k.file(name, yaml));
}

describe('immutable fields, as a real API server rejects them', () => {
  it('Deployment spec.selector: 422 with the Go-printed selector; the template may change', async () => {
    expect((await apply('d.yaml', deployment('web'))).code).toBe(0);
    const changed = await apply('d.yaml', deployment('web2'));
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain(
      'is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    );
    expect((await apply('d.yaml', deployment('web', 'nginx:1.28'))).code).toBe(0);
  });

  it('StatefulSet: serviceName is forbidden to change, replicas is not', async () => {
    expect((await apply('s.yaml', statefulSet('db', 1))).code).toBe(0);
    expect((await apply('s.yaml', statefulSet('db', 3))).code).toBe(0);
    const changed = await apply('s.yaml', statefulSet('db-headless', 3));
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain(
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    );
  });

  it('Job spec.template is immutable', async () => {
    expect((await apply('j.yaml', job('migrate:1'))).code).toBe(0);
    const changed = await apply('j.yaml', job('migrate:2'));
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('spec.template: Invalid value: core.PodTemplateSpec{');
    expect(changed.stderr).toContain('field is immutable');
  });

  it('Service clusterIP may not change once set', async () => {
    const svc = (ip: string) =>
      `apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: default}\nspec: {clusterIP: ${ip}, ports: [{port: 80}]}\n`;
    expect((await apply('svc.yaml', svc('10.96.200.1'))).code).toBe(0);
    const changed = await apply('svc.yaml', svc('10.96.200.2'));
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain(
      'spec.clusterIPs[0]: Invalid value: []string{"10.96.200.2"}: may not change once set',
    );
  });

  it('PVC: storage requests may grow, access modes may not change', async () => {
    expect((await apply('p.yaml', pvc('1Gi', 'ReadWriteOnce'))).code).toBe(0);
    expect((await apply('p.yaml', pvc('2Gi', 'ReadWriteOnce'))).code).toBe(0);
    const changed = await apply('p.yaml', pvc('2Gi', 'ReadWriteMany'));
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain(
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    );
  });

  it('ConfigMap with immutable: true keeps its data and its immutability; a mutable one may change', async () => {
    expect((await apply('c.yaml', configMap('a', false))).code).toBe(0);
    expect((await apply('c.yaml', configMap('b', true))).code).toBe(0);
    const changed = await apply('c.yaml', configMap('c', true));
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('data: Forbidden: field is immutable when `immutable` is set');
    const thawed = await k.run('patch', 'configmap', 'frozen', '--type', 'merge', '-p', '{"immutable":false}');
    expect(thawed.code).toBe(1);
    expect(thawed.stderr).toContain('immutable: Forbidden: field is immutable when `immutable` is set');
    // Deleting and recreating is the way out, as on a real cluster.
    expect((await k.run('delete', 'configmap', 'frozen')).code).toBe(0);
    expect((await apply('c.yaml', configMap('c', true))).code).toBe(0);
  });
});

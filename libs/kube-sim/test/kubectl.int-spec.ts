// kubectl conformance: the real kubectl v1.33 drives kube-sim and its exit codes and output
// must be what they would be against a real API server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeSim, startKubeSim } from '../src/index.js';
import { Kubectl, kubectlPath, until } from './kubectl-runner.js';

let sim: KubeSim;
let k: Kubectl;

const cm = (data: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
  labels: {app: demo}
data:
${data}
`;

const deployment = (name: string, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: 2
  progressDeadlineSeconds: 30
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: app
        image: ${image}
        ports: [{containerPort: 8080}]
`;

beforeAll(async () => {
  sim = await startKubeSim({ port: 0, simulate: { delayMs: 200, progressDeadlineScale: 0.05 } });
  k = new Kubectl(await kubectlPath(), sim.kubeconfigPath);
});

afterAll(async () => {
  await sim?.close();
  k?.cleanup();
});

async function rv(kind: string, name: string): Promise<string> {
  const r = await k.run('get', kind, name, '-o', 'jsonpath={.metadata.resourceVersion}');
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('kubectl against kube-sim', () => {
  it('apply --server-side creates, and re-applying is a no-op that keeps the resourceVersion', async () => {
    const f = k.file('cm.yaml', cm('  mode: fast\n  level: "1"'));
    const first = await k.run('apply', '--server-side', '-f', f);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('configmap/settings serverside-applied');
    const before = await rv('configmap', 'settings');
    const again = await k.run('apply', '--server-side', '-f', f);
    expect(again.code, again.stderr).toBe(0);
    expect(await rv('configmap', 'settings')).toBe(before);
  });

  it('diff --server-side exits 0 when live matches and 1 after drift', async () => {
    const f = k.file('cm.yaml', cm('  mode: fast\n  level: "1"'));
    const same = await k.run('diff', '--server-side', '-f', f);
    expect(same.code, same.stderr).toBe(0);
    const drift = await k.run('patch', 'configmap', 'settings', '--type', 'merge', '-p', '{"data":{"level":"2"}}');
    expect(drift.code, drift.stderr).toBe(0);
    const drifted = await k.run('diff', '--server-side', '--force-conflicts', '-f', f);
    expect(drifted.code, drifted.stderr).toBe(1);
    expect(drifted.stdout).toContain('-  level: "2"');
    expect(drifted.stdout).toContain('+  level: "1"');
  });

  it('apply --server-side conflicts with a field another manager changed, and --force-conflicts takes it', async () => {
    const f = k.file('cm.yaml', cm('  mode: fast\n  level: "1"'));
    const conflict = await k.run('apply', '--server-side', '-f', f);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.level',
    );
    const forced = await k.run('apply', '--server-side', '--force-conflicts', '-f', f);
    expect(forced.code, forced.stderr).toBe(0);
    const yaml = await k.run('get', 'configmap', 'settings', '-o', 'yaml', '--show-managed-fields');
    expect(yaml.stdout).toContain('level: "1"');
    expect(yaml.stdout).not.toContain('manager: kubectl-patch');
    expect(yaml.stdout).toMatch(/f:level: \{\}[\s\S]*manager: kubectl\n\s+operation: Apply/);
  });

  it('client-side apply creates and then patches with last-applied-configuration', async () => {
    const f = k.file('csa.yaml', deployment('csa', 'nginx:1.27'));
    const created = await k.run('apply', '-f', f);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('deployment.apps/csa created');
    const changed = await k.run('apply', '-f', k.file('csa2.yaml', deployment('csa', 'nginx:1.28')));
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('deployment.apps/csa configured');
    const got = await k.run(
      'get',
      'deployment',
      'csa',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation} {.metadata.managedFields[0].manager}',
    );
    expect(got.stdout).toBe('nginx:1.28 2 kubectl-client-side-apply');
  });

  it('patch --type merge and --type json change the object and record their manager', async () => {
    const merge = await k.run('patch', 'configmap', 'settings', '--type', 'merge', '-p', '{"data":{"extra":"yes"}}');
    expect(merge.code, merge.stderr).toBe(0);
    const json = await k.run(
      'patch',
      'configmap',
      'settings',
      '--type',
      'json',
      '-p',
      '[{"op":"replace","path":"/data/mode","value":"slow"}]',
    );
    expect(json.code, json.stderr).toBe(0);
    const got = await k.run('get', 'configmap', 'settings', '-o', 'jsonpath={.data.extra} {.data.mode}');
    expect(got.stdout).toBe('yes slow');
    const bad = await k.run(
      'patch',
      'configmap',
      'settings',
      '--type',
      'json',
      '-p',
      '[{"op":"test","path":"/data/mode","value":"fast"}]',
    );
    expect(bad.code).toBe(1);
  });

  it('scale sets replicas through the scale subresource', async () => {
    const r = await k.run('scale', 'deployment', 'csa', '--replicas=5');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('deployment.apps/csa scaled');
    const got = await k.run('get', 'deployment', 'csa', '-o', 'jsonpath={.spec.replicas}');
    expect(got.stdout).toBe('5');
    const managed = await k.run('get', 'deployment', 'csa', '-o', 'yaml', '--show-managed-fields');
    expect(managed.stdout).toContain('subresource: scale');
  });

  it('delete of an object with a finalizer returns at once and leaves it with a deletionTimestamp', async () => {
    const f = k.file(
      'held.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: default, finalizers: [example.com/hold]}\ndata: {a: b}\n',
    );
    expect((await k.run('apply', '--server-side', '-f', f)).code).toBe(0);
    const del = await k.run('delete', 'configmap', 'held', '--wait=false');
    expect(del.code, del.stderr).toBe(0);
    const got = await k.run('get', 'configmap', 'held', '-o', 'jsonpath={.metadata.deletionTimestamp}');
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(
      (
        await k.run(
          'patch',
          'configmap',
          'held',
          '--type',
          'json',
          '-p',
          '[{"op":"remove","path":"/metadata/finalizers"}]',
        )
      ).code,
    ).toBe(0);
    const gone = await k.run('get', 'configmap', 'held');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('configmaps "held" not found');
  });

  it('apply into a missing namespace fails with NotFound naming the namespace', async () => {
    const f = k.file(
      'lost.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lost, namespace: nowhere}\ndata: {a: b}\n',
    );
    const r = await k.run('apply', '--server-side', '-f', f);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (NotFound): namespaces "nowhere" not found');
  });

  it('rejects a manifest with an undeclared field, as a real server validates fields for kubectl', async () => {
    const typo = deployment('typo', 'nginx:1').replace('replicas: 2', 'replcas: 2');
    const r = await k.run('apply', '-f', k.file('typo.yaml', typo));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('strict decoding error: unknown field "spec.replcas"');
    const ssa = await k.run('apply', '--server-side', '-f', k.file('typo.yaml', typo));
    expect(ssa.code).toBe(1);
    expect(ssa.stderr).toContain('.spec.replcas: field not declared in schema');
    expect((await k.run('get', 'deployment', 'typo')).code).toBe(1);
  });

  it('a CRD makes its kind available at once, including its short name', async () => {
    const crd = k.file(
      'crd.yaml',
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wdg]}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`,
    );
    expect((await k.run('apply', '--server-side', '-f', crd)).code).toBe(0);
    const est = await k.run('wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=10s');
    expect(est.code, est.stderr).toBe(0);
    const cr = await k.run(
      'apply',
      '--server-side',
      '-f',
      k.file(
        'w.yaml',
        'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: default}\nspec: {size: 3}\n',
      ),
    );
    expect(cr.code, cr.stderr).toBe(0);
    const got = await k.run('get', 'wdg');
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toMatch(/^NAME\s+AGE\nw1\s/);
  });

  it('rollout status and wait --for=condition=Available follow a simulated Deployment', async () => {
    expect((await k.run('apply', '--server-side', '-f', k.file('ok.yaml', deployment('ok', 'nginx:1.27')))).code).toBe(
      0,
    );
    const status = await k.run('rollout', 'status', 'deployment/ok', '--timeout=20s');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('deployment "ok" successfully rolled out');
    const wait = await k.run('wait', '--for=condition=Available', 'deployment/ok', '--timeout=20s');
    expect(wait.code, wait.stderr).toBe(0);
    expect(wait.stdout).toContain('deployment.apps/ok condition met');
    const table = await k.run('get', 'deployment', 'ok');
    expect(table.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nok\s+2\/2\s+2\s+2\s+\d+s\n$/);
  });

  it('rollout status fails for an image tagged :broken once the progress deadline passes', async () => {
    expect(
      (await k.run('apply', '--server-side', '-f', k.file('bad.yaml', deployment('bad', 'nginx:broken')))).code,
    ).toBe(0);
    const status = await k.run('rollout', 'status', 'deployment/bad', '--timeout=20s');
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('exceeded its progress deadline');
  });

  it('get -w sees a change made while it watches', async () => {
    const w = k.spawn('get', 'configmap', 'settings', '-w', '--output-watch-events');
    try {
      await until(() => w.output().includes('ADDED'), 10_000, 'the initial ADDED event');
      expect(
        (await k.run('patch', 'configmap', 'settings', '--type', 'merge', '-p', '{"data":{"watched":"yes"}}')).code,
      ).toBe(0);
      await until(() => w.output().includes('MODIFIED'), 10_000, 'a MODIFIED event');
    } finally {
      w.child.kill('SIGTERM');
    }
    expect(w.output()).toMatch(/ADDED\s+settings[\s\S]*MODIFIED\s+settings/);
  });

  it('kubectl create namespace/configmap/secret (protobuf bodies) creates the objects', async () => {
    expect((await k.run('create', 'namespace', 'made')).code).toBe(0);
    const c = await k.run('create', 'configmap', 'conf', '-n', 'made', '--from-literal=a=b', '--from-literal=c=d');
    expect(c.code, c.stderr).toBe(0);
    const s = await k.run('create', 'secret', 'generic', 'pw', '-n', 'made', '--from-literal=password=hunter2');
    expect(s.code, s.stderr).toBe(0);
    const got = await k.run(
      'get',
      'configmap',
      'conf',
      '-n',
      'made',
      '-o',
      'jsonpath={.data.a}{.data.c} {.metadata.managedFields[0].manager}',
    );
    expect(got.stdout).toBe('bd kubectl-create');
    const secret = await k.run('get', 'secret', 'pw', '-n', 'made', '-o', 'jsonpath={.type} {.data.password}');
    expect(secret.stdout).toBe(`Opaque ${Buffer.from('hunter2').toString('base64')}`);
    const ns = await k.run('get', 'namespace', 'made', '-o', 'jsonpath={.status.phase}');
    expect(ns.stdout).toBe('Active');
  });

  it('get -o yaml --show-managed-fields shows FieldsV1 per manager', async () => {
    const r = await k.run('get', 'configmap', 'settings', '-o', 'yaml', '--show-managed-fields');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('fieldsType: FieldsV1');
    expect(r.stdout).toContain('manager: kubectl-patch');
    expect(r.stdout).toMatch(/f:extra: \{\}[\s\S]*manager: kubectl-patch\n\s+operation: Update/);
    expect(r.stdout).toMatch(/manager: kubectl\n\s+operation: Apply/);
    const plain = await k.run('get', 'configmap', 'settings', '-o', 'yaml');
    expect(plain.stdout).not.toContain('managedFields');
  });
});

// Storage as a real API server: the real kubectl writes Helm-style manifests full of empty and
// zero values, and reads back what a real server would return (omitempty fields left out, pointer
// fields kept, defaults filled in). With omitEmpty off, kube-sim keeps the fields as sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeSim, startKubeSim } from '../src/index.js';
import { Kubectl, kubectlPath } from './kubectl-runner.js';

const helmStyle = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: default
  annotations: {}
spec:
  replicas: 0
  minReadySeconds: 0
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata:
      labels: {app: ${name}}
      annotations: {}
    spec:
      nodeSelector: {}
      tolerations: []
      affinity: {}
      hostNetwork: false
      serviceAccountName: ""
      automountServiceAccountToken: false
      volumes: [{name: tmp, emptyDir: {}}]
      containers:
      - name: app
        image: nginx
        args: []
        env: [{name: MODE, value: ""}]
        resources: {limits: {}, requests: {}}
        volumeMounts: [{name: tmp, mountPath: /tmp, readOnly: false}]
        readinessProbe: {httpGet: {path: /, port: 80}, initialDelaySeconds: 0}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default, labels: {}}
spec:
  selector: {app: ${name}}
  clusterIP: ""
  ports: [{name: http, port: 80, nodePort: 0}]
`;

let sim: KubeSim;
let keep: KubeSim;
let k: Kubectl;
let kk: Kubectl;

beforeAll(async () => {
  sim = await startKubeSim({ port: 0, simulate: false });
  keep = await startKubeSim({ port: 0, simulate: false, omitEmpty: false });
  const bin = await kubectlPath();
  k = new Kubectl(bin, sim.kubeconfigPath);
  kk = new Kubectl(bin, keep.kubeconfigPath);
});

afterAll(async () => {
  await sim?.close();
  await keep?.close();
  k?.cleanup();
  kk?.cleanup();
});

async function getJson(kubectl: Kubectl, ...what: string[]): Promise<any> {
  const r = await kubectl.run('get', ...what, '-n', 'default', '-o', 'json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('kube-sim stores built-in kinds as a real API server does', () => {
  for (const how of [['apply', '--server-side'], ['create']] as const) {
    it(`kubectl ${how.join(' ')}: empty and zero optional fields read back absent, pointers and defaults present`, async () => {
      const name = `web-${how[0]}`;
      const r = await k.run(...how, '-f', k.file(`${name}.yaml`, helmStyle(name)));
      expect(r.code, r.stderr).toBe(0);
      const d = await getJson(k, 'deployment', name);
      expect(d.metadata.annotations).toBeUndefined();
      expect(d.spec.replicas).toBe(0);
      expect(d.spec.minReadySeconds).toBeUndefined();
      expect(d.spec.revisionHistoryLimit).toBe(10);
      expect(d.spec.progressDeadlineSeconds).toBe(600);
      expect(d.spec.strategy).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
      });
      const pod = d.spec.template.spec;
      for (const f of ['nodeSelector', 'tolerations', 'hostNetwork', 'serviceAccountName'])
        expect(pod[f], f).toBeUndefined();
      expect(pod.affinity).toEqual({});
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
      expect(pod).toMatchObject({
        restartPolicy: 'Always',
        dnsPolicy: 'ClusterFirst',
        schedulerName: 'default-scheduler',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
      });
      expect(d.spec.template.metadata.annotations).toBeUndefined();
      const [c] = pod.containers;
      expect(c).toEqual({
        name: 'app',
        image: 'nginx',
        imagePullPolicy: 'Always',
        env: [{ name: 'MODE' }],
        resources: {},
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        readinessProbe: { httpGet: { path: '/', port: 80 } },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      });
      const s = await getJson(k, 'service', name);
      expect(s.metadata.labels).toBeUndefined();
      expect(s.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
      expect(s.spec).toMatchObject({
        type: 'ClusterIP',
        sessionAffinity: 'None',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }],
      });
      expect(s.spec.ports[0].nodePort).toBeUndefined();
    });
  }

  it('re-applying the Helm-style manifest is a no-op (same resourceVersion) and kubectl diff finds nothing', async () => {
    const f = k.file('web-apply.yaml', helmStyle('web-apply'));
    const versions = async () =>
      (await getJson(k, 'deployment,service', 'web-apply')).items.map(
        (o: any) => `${o.kind}:${o.metadata.resourceVersion}:${o.spec.clusterIP ?? ''}`,
      );
    const before = await versions();
    const again = await k.run('apply', '--server-side', '-f', f);
    expect(again.code, again.stderr).toBe(0);
    // The Service's clusterIP: "" does not clear the allocated address (patchAllocatedValues).
    expect(await versions()).toEqual(before);
    const diff = await k.run('diff', '--server-side', '-f', f);
    expect(diff.stderr).toBe('');
    expect(diff.code, diff.stdout).toBe(0);
  });

  it('with omitEmpty off (the emulator kept as sent) the empty fields stay', async () => {
    const r = await kk.run('apply', '--server-side', '-f', kk.file('web.yaml', helmStyle('web')));
    expect(r.code, r.stderr).toBe(0);
    const pod = (await getJson(kk, 'deployment', 'web')).spec.template.spec;
    expect(pod).toMatchObject({ nodeSelector: {}, tolerations: [], hostNetwork: false, serviceAccountName: '' });
    keep.setOmitEmpty(true);
    const again = await kk.run('apply', '--server-side', '-f', kk.file('web2.yaml', helmStyle('web2')));
    expect(again.code, again.stderr).toBe(0);
    expect((await getJson(kk, 'deployment', 'web2')).spec.template.spec.nodeSelector).toBeUndefined();
  });
});

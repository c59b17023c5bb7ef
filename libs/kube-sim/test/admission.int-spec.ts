// Admission: the real kubectl meets a validating webhook's denial (exit 1, the API server's
// message, dry runs included) and a mutating webhook's changes (an injected sidecar, a rewritten
// annotation) that stay stable when the same manifest is applied again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectSidecar, setAnnotation, type KubeSim, startKubeSim } from '../src/index.js';
import { Kubectl, kubectlPath } from './kubectl-runner.js';

let sim: KubeSim;
let k: Kubectl;

const cm = (name: string, team = 'apps') => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: default, annotations: {team: ${team}}}
data: {key: value}
`;

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: nginx:1.27}]}
`;

beforeAll(async () => {
  sim = await startKubeSim({ port: 0, simulate: false });
  sim.api.admission.validating.push({
    name: 'policy.example.com',
    kinds: ['ConfigMap'],
    names: ['forbidden'],
    message: 'ConfigMap forbidden is not allowed',
    code: 403,
  });
  sim.api.admission.mutating.push(
    {
      name: 'sidecar.example.com',
      kinds: ['Deployment'],
      mutate: injectSidecar({ name: 'proxy', image: 'envoy:1.31' }),
    },
    { name: 'team.example.com', kinds: ['ConfigMap'], mutate: setAnnotation('team', 'platform') },
  );
  k = new Kubectl(await kubectlPath(), sim.kubeconfigPath);
});

afterAll(async () => {
  await sim?.close();
  k?.cleanup();
});

async function get(kind: string, name: string): Promise<any> {
  const r = await k.run('get', kind, name, '-o', 'json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('admission rules', () => {
  it('a validating rule refuses its object on create (and in a server dry run) and lets others through', async () => {
    const denied = await k.run('apply', '--server-side', '-f', k.file('f.yaml', cm('forbidden')));
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain(
      'admission webhook "policy.example.com" denied the request: ConfigMap forbidden is not allowed',
    );
    const dry = await k.run('apply', '--server-side', '--dry-run=server', '-f', k.file('f.yaml', cm('forbidden')));
    expect(dry.code).toBe(1);
    expect(dry.stderr).toContain('denied the request');
    expect(sim.api.store.get('configmaps', 'default', 'forbidden')).toBeUndefined();
    const ok = await k.run('apply', '--server-side', '-f', k.file('a.yaml', cm('allowed')));
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('a mutating rule injects a sidecar; applying the same manifest again is a no-op', async () => {
    const f = k.file('d.yaml', deployment);
    expect((await k.run('apply', '--server-side', '-f', f)).code).toBe(0);
    const d = await get('deployment', 'web');
    expect(d.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['app', 'proxy']);
    // Defaults apply to what the webhook added, as the server decodes its answer again.
    expect(d.spec.template.spec.containers[1]).toMatchObject({ image: 'envoy:1.31', imagePullPolicy: 'IfNotPresent' });
    const again = await k.run('apply', '--server-side', '-f', f);
    expect(again.code, again.stderr).toBe(0);
    expect((await get('deployment', 'web')).metadata.resourceVersion).toBe(d.metadata.resourceVersion);
  });

  it('a mutating rule rewrites an annotation the manifest sets', async () => {
    expect((await get('configmap', 'allowed')).metadata.annotations.team).toBe('platform');
    const edit = await k.run('annotate', '--overwrite', 'configmap', 'allowed', 'team=mine');
    expect(edit.code, edit.stderr).toBe(0);
    expect((await get('configmap', 'allowed')).metadata.annotations.team).toBe('platform');
  });
});

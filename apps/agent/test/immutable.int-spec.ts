// One bad object never blocks the rest: kube-sim refuses an immutable-field change as a real API
// server does (422 Invalid); the agent fails only that object, naming its file and the server's
// message, applies and prunes the others and checks their health, and keeps doing so on later
// passes. An object annotated flotilla.dev/force: enabled is recreated instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@flotilla/gitops';
import type { SyncReport } from '@flotilla/protocol';
import { configMap, namespace } from './support/manifests.js';
import { startReconcileEnv, type ReconcileEnv } from './support/reconcile-env.js';

const deployment = (name: string, app: string, force = false) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: imm
${force ? '  annotations: {flotilla.dev/force: enabled}\n' : ''}spec:
  replicas: 1
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec: {containers: [{name: app, image: nginx:1.27}]}
`;

const files = (v: { web: string; forced: string; value: string; old: boolean }) => ({
  'clusters/edge/ns.yaml': namespace('imm'),
  'clusters/edge/web.yaml': deployment('web', v.web),
  'clusters/edge/forced.yaml': deployment('forced', v.forced, true),
  'clusters/edge/config.yaml': configMap('imm', 'settings', { key: v.value }),
  'clusters/edge/old.yaml': v.old ? configMap('imm', 'old') : null,
});

interface Live extends KubeObject {
  spec?: { selector: { matchLabels: Record<string, string> } };
  data?: Record<string, string>;
}

describe('an immutable-field change fails only its object', () => {
  let env: ReconcileEnv;
  const get = (resource: string, name: string) => env.sim.api.store.get(resource, 'imm', name) as Live | undefined;
  const selectorOf = (name: string) => get('deployments.apps', name)?.spec?.selector.matchLabels['app'];
  const action = (r: SyncReport, kind: string, name: string) =>
    r.objects.find((o) => o.kind === kind && o.name === name);

  beforeAll(async () => {
    env = await startReconcileEnv();
    const rev = await env.git.commit({
      files: files({ web: 'web', forced: 'f', value: 'v1', old: true }),
      message: 'v1',
    });
    await env.startAgent();
    await env.putDesired({ revision: rev });
    await env.waitSync((r) => r.some((x) => x.revision === rev && x.state === 'Synced'));
  });
  afterAll(async () => {
    await env?.close();
  });

  it('rejects the changed selector with the server message and file; applies, prunes and checks the rest; recreates the forced one', async () => {
    const forcedUid = get('deployments.apps', 'forced')!.metadata['uid'];
    const rev = await env.git.commit({
      files: files({ web: 'web2', forced: 'f2', value: 'v2', old: false }),
      message: 'v2: selectors changed, config changed, old removed',
    });
    await env.putDesired({ revision: rev });
    const [report] = (await env.waitSync((r) => r.some((x) => x.revision === rev))).filter((x) => x.revision === rev);
    expect(report!.state).toBe('Failed');
    expect(report!.error).toMatchObject({ stage: 'apply', code: 'APPLY_REJECTED', retryable: false });
    expect(report!.error!.file).toBe('clusters/edge/web.yaml');
    expect(report!.error!.reason).toContain('clusters/edge/web.yaml');
    expect(report!.error!.reason).toContain(
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    );
    expect(action(report!, 'Deployment', 'web')).toMatchObject({
      action: 'failed',
      message: expect.stringContaining('field is immutable'),
    });
    expect(action(report!, 'ConfigMap', 'settings')).toMatchObject({ action: 'configured', health: 'Healthy' });
    expect(action(report!, 'ConfigMap', 'old')).toMatchObject({ action: 'deleted' });
    expect(action(report!, 'Deployment', 'forced')).toMatchObject({
      action: 'created',
      message: expect.stringContaining('recreated'),
    });
    expect(get('configmaps', 'old')).toBeUndefined();
    expect(get('configmaps', 'settings')?.data?.['key']).toBe('v2');
    expect(selectorOf('web')).toBe('web');
    expect(selectorOf('forced')).toBe('f2');
    expect(get('deployments.apps', 'forced')!.metadata['uid']).not.toBe(forcedUid);
    expect(report!.appliedRevision).not.toBe(rev);
  });

  it('later passes keep applying everything else while the bad object stays failed, and it is never pruned', async () => {
    const rev = await env.git.commit({
      files: { 'clusters/edge/config.yaml': configMap('imm', 'settings', { key: 'v3' }) },
      message: 'v3: config changed again',
    });
    await env.putDesired({ revision: rev });
    const [report] = (await env.waitSync((r) => r.some((x) => x.revision === rev))).filter((x) => x.revision === rev);
    expect(report!.state).toBe('Failed');
    expect(action(report!, 'ConfigMap', 'settings')).toMatchObject({ action: 'configured' });
    expect(action(report!, 'Deployment', 'web')).toMatchObject({ action: 'failed' });
    expect(action(report!, 'Deployment', 'forced')).toMatchObject({ action: 'unchanged' });
    expect(get('configmaps', 'settings')?.data?.['key']).toBe('v3');
    expect(get('deployments.apps', 'web')).toBeDefined();
  });

  it('fixing the manifest (selector back) makes the pass Synced again', async () => {
    const rev = await env.git.commit({
      files: { 'clusters/edge/web.yaml': deployment('web', 'web') },
      message: 'v4: fixed',
    });
    await env.putDesired({ revision: rev });
    const [report] = (await env.waitSync((r) => r.some((x) => x.revision === rev))).filter((x) => x.revision === rev);
    expect(report).toMatchObject({ state: 'Synced', appliedRevision: rev });
  });
});

// The agent in a cluster with admission webhooks (kube-sim admission rules): a validating
// webhook's denial fails only its object; a sidecar a mutating webhook injects is not drift; an
// annotation the manifest sets and a webhook rewrites is reported once and never healed in a loop;
// a hand edit of a field the manifest owns is still reverted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@flotilla/gitops';
import type { SyncReport } from '@flotilla/protocol';
import { injectSidecar, setAnnotation } from '@flotilla/kube-sim';
import type { ReconcileRuntime } from '../src/reconcile/runtime.js';
import { configMap, deployment, namespace } from './support/manifests.js';
import { startReconcileEnv, waitFor, type ReconcileEnv } from './support/reconcile-env.js';

interface Live extends KubeObject {
  spec?: { template: { spec: { containers: Array<{ name: string }> } } };
  data?: Record<string, string>;
}

describe('admission webhooks: the agent fails only the denied object and never fights a mutator', () => {
  let env: ReconcileEnv;
  let runtime: ReconcileRuntime;
  let first: SyncReport;
  const get = (resource: string, name: string) => env.sim.api.store.get(resource, 'adm', name) as Live | undefined;
  const find = (r: SyncReport, kind: string, name: string) => r.objects.find((o) => o.kind === kind && o.name === name);
  const versions = () =>
    [get('deployments.apps', 'web'), get('configmaps', 'team-config'), get('configmaps', 'ok')].map(
      (o) => o?.metadata['resourceVersion'],
    );

  beforeAll(async () => {
    env = await startReconcileEnv();
    env.sim.api.admission.validating.push({
      name: 'policy.example.com',
      kinds: ['ConfigMap'],
      names: ['blocked'],
      message: 'ConfigMap blocked is not allowed in adm',
      code: 403,
    });
    env.sim.api.admission.mutating.push(
      {
        name: 'mesh.example.com',
        kinds: ['Deployment'],
        mutate: injectSidecar({ name: 'proxy', image: 'envoy:1.31' }),
      },
      {
        name: 'team.example.com',
        kinds: ['ConfigMap'],
        names: ['team-config'],
        mutate: setAnnotation('team', 'platform'),
      },
    );
    const rev = await env.git.commit({
      files: {
        'clusters/edge/ns.yaml': namespace('adm'),
        'clusters/edge/web.yaml': deployment('adm', 'web', 1),
        'clusters/edge/team.yaml': configMap('adm', 'team-config', { key: 'value' }, { team: 'apps' }),
        'clusters/edge/blocked.yaml': configMap('adm', 'blocked'),
        'clusters/edge/ok.yaml': configMap('adm', 'ok'),
      },
      message: 'with webhooks',
    });
    runtime = await env.startAgent();
    await env.putDesired({ revision: rev });
    [first] = await env.waitSync((r) => r.length >= 1);
  });
  afterAll(async () => {
    await env?.close();
  });

  it("the denial fails only its object, with its file and the webhook's message; the others are applied and healthy", () => {
    expect(first.state).toBe('Failed');
    expect(first.error).toMatchObject({ stage: 'apply', code: 'APPLY_REJECTED', file: 'clusters/edge/blocked.yaml' });
    expect(first.error!.reason).toContain(
      'admission webhook "policy.example.com" denied the request: ConfigMap blocked is not allowed in adm',
    );
    expect(find(first, 'ConfigMap', 'blocked')).toMatchObject({ action: 'failed' });
    expect(find(first, 'Deployment', 'web')).toMatchObject({ action: 'created', health: 'Healthy' });
    expect(find(first, 'ConfigMap', 'ok')).toMatchObject({ action: 'created', health: 'Healthy' });
    expect(get('deployments.apps', 'web')!.spec!.template.spec.containers.map((c) => c.name)).toEqual(['web', 'proxy']);
  });

  it('the rewritten annotation is reported once, in the result of the object it belongs to', () => {
    expect(find(first, 'ConfigMap', 'team-config')).toMatchObject({
      action: 'created',
      message: expect.stringContaining('admission changed fields the manifest sets'),
    });
    expect(find(first, 'ConfigMap', 'team-config')!.message).toContain('metadata.annotations.team');
    expect(find(first, 'Deployment', 'web')!.message).toBeUndefined();
    expect(get('configmaps', 'team-config')!.metadata.annotations?.['team']).toBe('platform');
  });

  it('other writers, resyncs and a restart write nothing to the mutated objects and report no drift', async () => {
    const deploy = env.sim.api.registry.lookup('apps', 'v1', 'deployments')!;
    const cms = env.sim.api.registry.lookup('', 'v1', 'configmaps')!;
    for (let i = 0; i < 3; i++) {
      for (const [t, name] of [
        [deploy, 'web'],
        [cms, 'team-config'],
      ] as const)
        env.sim.api.patch(
          t,
          'adm',
          name,
          'merge',
          { metadata: { labels: { tick: String(i) } } },
          { manager: 'someone-else', dryRun: false, force: false },
        );
    }
    await waitFor(
      () => runtime.live.get('adm_team-config__ConfigMap')?.metadata.labels?.['tick'],
      (v) => v === '2',
      10_000,
      'the agent to see the last label',
    );
    await runtime.drift.settled();
    const before = versions();
    for (let i = 0; i < 3; i++) {
      const n = (await env.syncReports()).length;
      if (i === 2) runtime = await env.startAgent();
      else await runtime.loop.trigger('resync');
      const last = (await env.waitSync((r) => r.length > n)).at(-1)!;
      expect(last.objects.filter((o) => o.action !== 'unchanged').map((o) => `${o.name}:${o.action}`)).toEqual([
        'blocked:failed',
      ]);
      expect(last.objects.every((o) => !o.message?.includes('admission changed'))).toBe(true);
    }
    await runtime.drift.settled();
    expect(versions()).toEqual(before);
    expect(await env.driftReports()).toEqual([]);
  });

  it('a hand edit of data the manifest owns is still reverted (the webhook keeps its annotation)', async () => {
    const cms = env.sim.api.registry.lookup('', 'v1', 'configmaps')!;
    env.sim.api.patch(
      cms,
      'adm',
      'team-config',
      'merge',
      { data: { key: 'hacked' } },
      {
        manager: 'kubectl-edit',
        dryRun: false,
        force: false,
      },
    );
    const [drift] = await env.waitDrift((r) => r.length > 0);
    expect(drift).toMatchObject({
      object: { kind: 'ConfigMap', name: 'team-config' },
      fields: ['data.key'],
      resolution: 'reverted',
    });
    await waitFor(
      () => get('configmaps', 'team-config')?.data?.['key'],
      (v) => v === 'value',
      5000,
      'data restored',
    );
    await runtime.drift.settled();
    expect(await env.driftReports()).toHaveLength(1);
  });
});

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/kube/kube-client.js';
import { loadKubeconfig } from '../src/kube/kubeconfig.js';
import { OWNER_LABEL } from '../src/render/renderer.js';
import { storedInventory } from './support/inventory.js';
import { configMap, webApp } from './support/manifests.js';
import { startReconcileEnv, type ReconcileEnv } from './support/reconcile-env.js';

describe('reconcile: source → render → plan → apply → report', () => {
  let env: ReconcileEnv;
  beforeAll(async () => {
    env = await startReconcileEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('applies the desired commit with server-side apply, labels every object and reports Synced + Healthy', async () => {
    const rev = await env.git.commit({ files: webApp(), message: 'web app' });
    await env.startAgent();
    await env.putDesired({ revision: rev });
    const [report] = await env.waitSync((r) => r.length >= 1);
    expect(report).toMatchObject({
      clusterId: env.clusterId,
      seq: expect.any(Number),
      revision: rev,
      appliedRevision: rev,
      state: 'Synced',
      health: 'Healthy',
      sourceAvailable: true,
    });
    expect(report!.objects.map((o) => `${o.kind}/${o.name}:${o.action}`).sort()).toEqual([
      'ConfigMap/web-config:created',
      'Deployment/web:created',
      'Namespace/web:created',
      'Service/web:created',
    ]);
    expect(report!.objects.every((o) => o.health === 'Healthy')).toBe(true);
    const deploy = env.sim.api.store.get('deployments.apps', 'web', 'web') as {
      metadata: { labels: Record<string, string>; managedFields: Array<{ manager: string; operation: string }> };
    };
    expect(deploy.metadata.labels[OWNER_LABEL]).toBe(env.clusterId);
    expect(deploy.metadata.managedFields.some((m) => m.manager === 'flotilla' && m.operation === 'Apply')).toBe(true);
    expect(
      storedInventory(env.sim)
        .map((e) => e.id)
        .sort(),
    ).toEqual(['_web__Namespace', 'web_web-config__ConfigMap', 'web_web__Service', 'web_web_apps_Deployment']);
  });

  it('a resync with nothing changed writes nothing and sends no request per object', async () => {
    const runtime = await env.startAgent();
    await env.waitSync((r) => r.length >= 2);
    env.sim.resetCounters();
    const before = runtime.client.requests;
    await runtime.loop.trigger('test resync');
    const reports = await env.waitSync((r) => r.length >= 3);
    expect(reports.at(-1)!.objects.every((o) => o.action === 'unchanged')).toBe(true);
    expect(env.sim.counters['apply'] ?? 0).toBe(0);
    expect(env.sim.counters['patch'] ?? 0).toBe(0);
    expect(runtime.client.requests - before).toBeLessThanOrEqual(2);
  });

  it('a changed object is configured and only it is written', async () => {
    const runtime = await env.startAgent();
    await env.waitSync((r) => r.length >= 4);
    env.sim.resetCounters();
    const rev = await env.git.commit({
      files: { 'clusters/edge/app/config.yaml': configMap('web', 'web-config', { key: 'changed' }) },
      message: 'change config',
    });
    await env.putDesired({ revision: rev });
    const reports = await env.waitSync((r) => r.some((x) => x.revision === rev));
    const last = reports.find((x) => x.revision === rev)!;
    expect(last.objects.filter((o) => o.action !== 'unchanged').map((o) => `${o.kind}/${o.name}:${o.action}`)).toEqual([
      'ConfigMap/web-config:configured',
    ]);
    expect(
      (env.sim.api.store.get('configmaps', 'web', 'web-config') as { data: Record<string, string> }).data['key'],
    ).toBe('changed');
    expect(runtime.live.size).toBeGreaterThanOrEqual(4);
  });

  it('restarting does not fetch from Git again when the commit is cached', async () => {
    const served = env.git.requests();
    const before = (await env.syncReports()).length;
    await env.startAgent();
    const reports = await env.waitSync((r) => r.length > before);
    expect(reports.at(-1)).toMatchObject({ state: 'Synced', sourceAvailable: true });
    expect(env.git.requests()).toBe(served);
  });

  it('without known digests a dry-run decides: objects as desired are not written, one edited while the agent was down is configured', async () => {
    await env.stopAgent();
    await rm(join(env.stateDir, 'applied.json'));
    const client = new KubeClient(loadKubeconfig(env.sim.kubeconfigPath));
    await client.request('PATCH', '/api/v1/namespaces/web/configmaps/web-config', {
      body: { data: { key: 'edited-offline' } },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: 'someone' },
    });
    client.close();
    const version = (kind: string, ns: string, name: string) =>
      (env.sim.api.store.get(kind, ns, name) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const deployBefore = version('deployments.apps', 'web', 'web');
    const before = (await env.syncReports()).length;
    await env.startAgent();
    const last = (await env.waitSync((r) => r.length > before)).at(-1)!;
    expect(last.objects.map((o) => `${o.kind}/${o.name}:${o.action}`).sort()).toEqual([
      'ConfigMap/web-config:configured',
      'Deployment/web:unchanged',
      'Namespace/web:unchanged',
      'Service/web:unchanged',
    ]);
    expect(version('deployments.apps', 'web', 'web')).toBe(deployBefore);
    expect(
      (env.sim.api.store.get('configmaps', 'web', 'web-config') as { data: Record<string, string> }).data['key'],
    ).toBe('changed');
  });
});

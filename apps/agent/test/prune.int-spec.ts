import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER_LABEL } from '../src/render/renderer.js';
import { storedInventory } from './support/inventory.js';
import { configMap, webApp } from './support/manifests.js';
import { startReconcileEnv, type ReconcileEnv } from './support/reconcile-env.js';
import type { ReconcileRuntime } from '../src/reconcile/runtime.js';

describe('prune: only what the agent applied and Git no longer has', () => {
  let env: ReconcileEnv;
  let runtime: ReconcileRuntime;
  const cm = (name: string) => env.sim.api.store.get('configmaps', 'web', name);
  async function sync(files: Record<string, string | null>, opts: { prune?: boolean; selfHeal?: boolean } = {}) {
    const rev = await env.git.commit({ files, message: 'change' });
    await env.putDesired({ revision: rev, prune: opts.prune ?? true, selfHeal: opts.selfHeal ?? true });
    const reports = await env.waitSync((r) => r.some((x) => x.revision === rev));
    return reports.find((x) => x.revision === rev)!;
  }

  beforeAll(async () => {
    env = await startReconcileEnv();
    runtime = await env.startAgent();
    await sync({
      ...webApp(),
      'clusters/edge/extra.yaml': configMap('web', 'extra'),
      'clusters/edge/keep.yaml': configMap('web', 'keep', { k: 'v' }, { 'flotilla.dev/prune': 'disabled' }),
      'clusters/edge/off.yaml': configMap('web', 'prune-off'),
      'clusters/edge/recreated.yaml': configMap('web', 'recreated'),
      'clusters/edge/taken.yaml': configMap('web', 'taken'),
      'clusters/edge/copied.yaml': configMap('web', 'copied'),
    });
    // Someone else's object carrying our owner label: never in the inventory, never pruned.
    await runtime.client.request('POST', '/api/v1/namespaces/web/configmaps', {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'impostor', namespace: 'web', labels: { [OWNER_LABEL]: env.clusterId } },
        data: {},
      },
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('deletes an object whose file was removed, and nothing else', async () => {
    const report = await sync({ 'clusters/edge/extra.yaml': null });
    expect(report.state).toBe('Synced');
    expect(report.objects.filter((o) => o.action === 'deleted').map((o) => o.name)).toEqual(['extra']);
    expect(cm('extra')).toBeUndefined();
    expect(cm('web-config')).toBeDefined();
    expect(cm('impostor')).toBeDefined();
  });

  it('never deletes what someone else owns now under the same name', async () => {
    // Self-heal off while the others take the objects, or the agent would put its own back at once.
    await sync({ 'clusters/edge/marker.yaml': configMap('web', 'marker') }, { selfHeal: false });
    const client = runtime.client;
    const path = '/api/v1/namespaces/web/configmaps';
    // Deleted and created again by another tool: no owner label, no field of ours.
    await client.request('DELETE', `${path}/recreated`);
    await client.request('PATCH', `${path}/recreated`, {
      query: { fieldManager: 'helm', force: 'true' },
      contentType: 'application/apply-patch+yaml',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'recreated', namespace: 'web' },
        data: { by: 'helm' },
      },
    });
    // Taken over by another cluster's agent: its owner label now.
    await client.request('PATCH', `${path}/taken`, {
      query: { fieldManager: 'other-team', force: 'true' },
      contentType: 'application/apply-patch+yaml',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'taken', namespace: 'web', labels: { 'flotilla.dev/cluster': 'another-cluster' } },
      },
    });
    // Deleted and created again from a copy of our YAML (`kubectl get -o yaml`, then `kubectl
    // create`): our owner label, but not one field of ours.
    await client.request('DELETE', `${path}/copied`);
    await client.request('POST', path, {
      query: { fieldManager: 'kubectl-create' },
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'copied', namespace: 'web', labels: { [OWNER_LABEL]: env.clusterId } },
        data: { by: 'a copy' },
      },
    });
    const report = await sync(
      { 'clusters/edge/recreated.yaml': null, 'clusters/edge/taken.yaml': null, 'clusters/edge/copied.yaml': null },
      { selfHeal: false },
    );
    expect(report.objects.find((o) => o.name === 'copied')).toMatchObject({
      action: 'skipped',
      message: expect.stringMatching(/it has no fields managed by flotilla \(managers: kubectl-create\)/),
    });
    expect(cm('copied')).toMatchObject({ data: { by: 'a copy' } });
    expect(report.objects.find((o) => o.name === 'recreated')).toMatchObject({
      action: 'skipped',
      message: expect.stringMatching(/owned by someone else now \(its flotilla.dev\/cluster label is gone\)/),
    });
    expect(report.objects.find((o) => o.name === 'taken')).toMatchObject({
      action: 'skipped',
      message: expect.stringMatching(/label is "another-cluster"/),
    });
    expect(cm('recreated')).toMatchObject({ data: { by: 'helm' } });
    expect(cm('taken')).toBeDefined();
    const again = await sync({ 'clusters/edge/more.yaml': configMap('web', 'more') });
    expect(again.objects.some((o) => ['recreated', 'taken', 'copied'].includes(o.name))).toBe(false);
    await sync({ 'clusters/edge/marker.yaml': null, 'clusters/edge/more.yaml': null });
  });

  it('keeps an object annotated flotilla.dev/prune: disabled', async () => {
    const report = await sync({ 'clusters/edge/keep.yaml': null });
    expect(report.objects.find((o) => o.name === 'keep')).toMatchObject({ action: 'skipped' });
    expect(cm('keep')).toBeDefined();
  });

  it('deletes nothing when prune is off', async () => {
    const report = await sync({ 'clusters/edge/off.yaml': null }, { prune: false });
    expect(report.objects.some((o) => o.action === 'deleted')).toBe(false);
    expect(cm('prune-off')).toBeDefined();
  });

  it('an empty render prunes nothing', async () => {
    const report = await sync({
      'clusters/edge/namespace.yaml': '# nothing\n',
      'clusters/edge/app/config.yaml': null,
      'clusters/edge/app/deploy.yaml': null,
    });
    expect(report.objects.some((o) => o.action === 'deleted')).toBe(false);
    expect(cm('web-config')).toBeDefined();
    expect(env.sim.api.store.get('deployments.apps', 'web', 'web')).toBeDefined();
    expect(storedInventory(env.sim).map((e) => e.id)).toContain('web_web-config__ConfigMap');
  });

  it('a failed render prunes nothing', async () => {
    const report = await sync({ ...webApp(), 'clusters/edge/broken.yaml': 'kind: [' });
    expect(report.state).toBe('Failed');
    expect(cm('prune-off')).toBeDefined();
    expect(cm('web-config')).toBeDefined();
  });
});

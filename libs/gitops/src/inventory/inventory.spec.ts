import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../objects/kube-object.js';
import { diffInventory, inventoryAfterPrune, inventoryOf, makeInventory, PruneSkipReason } from './inventory.js';

const o = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: namespace ? { name, namespace } : { name },
});

const ns = o('v1', 'Namespace', 'app');
const cm = o('v1', 'ConfigMap', 'cfg', 'app');
const deploy = o('apps/v1', 'Deployment', 'web', 'app');
const svc = o('v1', 'Service', 'web', 'app');

describe('inventory', () => {
  it('is a sorted set of {id, apiVersion}', () => {
    const inv = inventoryOf([svc, deploy, cm, ns, cm]);
    expect(inv.entries).toEqual([
      { id: '_app__Namespace', apiVersion: 'v1' },
      { id: 'app_cfg__ConfigMap', apiVersion: 'v1' },
      { id: 'app_web__Service', apiVersion: 'v1' },
      { id: 'app_web_apps_Deployment', apiVersion: 'apps/v1' },
    ]);
    expect(() => makeInventory([{ id: 'bad', apiVersion: 'v1' }])).toThrow(/invalid object id/);
  });

  it('prunes what the previous inventory had and the new render lacks, in reverse apply order', () => {
    const diff = diffInventory(inventoryOf([ns, cm, svc, deploy]), inventoryOf([o('v1', 'ConfigMap', 'other', 'app')]));
    expect(diff.prune.map((e) => e.id)).toEqual([
      'app_web_apps_Deployment',
      'app_web__Service',
      'app_cfg__ConfigMap',
      '_app__Namespace',
    ]);
    expect(diff.skipped).toBeUndefined();
  });

  it('never prunes objects it did not record, nor objects whose version changed', () => {
    const next = inventoryOf([o('apps/v1beta2', 'Deployment', 'web', 'app')]);
    expect(diffInventory(inventoryOf([deploy]), next).prune).toEqual([]);
    expect(diffInventory(makeInventory([]), next).prune).toEqual([]);
  });

  it('prunes nothing after an empty or a failed render', () => {
    const previous = inventoryOf([cm, deploy]);
    expect(diffInventory(previous, makeInventory([]))).toEqual({
      prune: [],
      retained: [],
      skipped: PruneSkipReason.EmptyRender,
    });
    expect(diffInventory(previous, undefined)).toEqual({
      prune: [],
      retained: [],
      skipped: PruneSkipReason.FailedRender,
    });
  });

  it('keeps objects annotated flotilla.dev/prune: disabled', () => {
    const diff = diffInventory(inventoryOf([cm, deploy, svc]), inventoryOf([svc]), {
      annotationsOf: (id) =>
        id === 'app_cfg__ConfigMap' ? { 'flotilla.dev/prune': 'disabled' } : { 'flotilla.dev/prune': 'enabled' },
    });
    expect(diff.prune.map((e) => e.id)).toEqual(['app_web_apps_Deployment']);
    expect(diff.retained.map((e) => e.id)).toEqual(['app_cfg__ConfigMap']);
  });

  it('keeps failed deletes in the next inventory so they are retried', () => {
    const next = inventoryOf([svc]);
    const diff = diffInventory(inventoryOf([cm, deploy, svc]), next);
    const after = inventoryAfterPrune(next, diff, ['app_cfg__ConfigMap']);
    expect(after.entries.map((e) => e.id)).toEqual(['app_cfg__ConfigMap', 'app_web__Service']);
  });
});

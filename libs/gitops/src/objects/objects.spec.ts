import { describe, expect, it } from 'vitest';
import { compareForApply, sortForApply, sortForPrune } from './apply-order.js';
import type { KubeObject } from './kube-object.js';
import { gvkOf, objectId, parseObjectId } from './kube-object.js';
import { checkNamespaces } from './namespace-check.js';
import { ScopeTable } from './scope.js';

const obj = (
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
  extra: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion,
  kind,
  metadata: namespace ? { name, namespace } : { name },
  ...extra,
});

describe('object identity', () => {
  it('formats inventory ids like flux: <namespace>_<name>_<group>_<kind>', () => {
    expect(objectId(obj('apps/v1', 'Deployment', 'web', 'prod'))).toBe('prod_web_apps_Deployment');
    expect(objectId(obj('v1', 'Namespace', 'prod'))).toBe('_prod__Namespace');
    expect(parseObjectId('prod_web_apps_Deployment')).toEqual({
      namespace: 'prod',
      name: 'web',
      group: 'apps',
      kind: 'Deployment',
    });
    expect(() => parseObjectId('a_b_c')).toThrow(/invalid object id/);
  });

  it('parses group, version and kind', () => {
    expect(gvkOf(obj('rbac.authorization.k8s.io/v1', 'Role', 'r'))).toEqual({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      kind: 'Role',
    });
    expect(gvkOf(obj('v1', 'Service', 's'))).toEqual({ group: '', version: 'v1', kind: 'Service' });
  });
});

describe('apply order', () => {
  const shuffled = [
    obj('apps/v1', 'Deployment', 'web', 'a'),
    obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'hook'),
    obj('example.com/v1', 'Widget', 'w', 'a'),
    obj('v1', 'Service', 'web', 'a'),
    obj('v1', 'ConfigMap', 'b', 'a'),
    obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'cr'),
    obj('v1', 'ServiceAccount', 'sa', 'a'),
    obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'),
    obj('v1', 'ConfigMap', 'a', 'a'),
    obj('v1', 'Namespace', 'a'),
    obj('batch/v1', 'Job', 'migrate', 'a'),
  ];

  it('puts namespaces and CRDs first, then cluster config, namespaced config, services, workloads, others, webhooks', () => {
    expect(sortForApply(shuffled).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/a',
      'CustomResourceDefinition/widgets.example.com',
      'ClusterRole/cr',
      'ServiceAccount/sa',
      'ConfigMap/a',
      'ConfigMap/b',
      'Service/web',
      'Deployment/web',
      'Job/migrate',
      'Widget/w',
      'ValidatingWebhookConfiguration/hook',
    ]);
  });

  it('is a total order: any input order gives the same result, and prune order is its reverse', () => {
    const a = sortForApply(shuffled);
    const b = sortForApply([...shuffled].reverse());
    expect(b).toEqual(a);
    expect(sortForPrune(shuffled)).toEqual([...a].reverse());
  });

  it('sortForApply gives exactly the order of compareForApply, also across groups, namespaces and unknown kinds', () => {
    const many = [
      ...shuffled,
      obj('example.com/v1', 'Widget', 'a', 'z'),
      obj('other.io/v1', 'Widget', 'a', 'z'),
      obj('v1', 'ConfigMap', 'b', 'a'),
      obj('v1', 'ConfigMap', 'a', 'b'),
      obj('apps/v1', 'Gadget', 'g'),
    ];
    expect(sortForApply(many)).toEqual([...many].sort(compareForApply));
    expect(sortForApply([...many].reverse())).toEqual([...many].sort(compareForApply));
  });
});

describe('namespace check', () => {
  const crd = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', undefined, {
    spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget' } },
  });

  it('reports namespaced objects whose namespace is neither rendered nor in the cluster', () => {
    const objects = [
      obj('v1', 'Namespace', 'rendered'),
      obj('v1', 'ConfigMap', 'a', 'rendered'),
      obj('v1', 'ConfigMap', 'b', 'exists'),
      obj('v1', 'ConfigMap', 'c', 'ghost'),
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'cr'),
    ];
    const result = checkNamespaces(objects, { clusterNamespaces: ['exists', 'default'] });
    expect(result.missingNamespace).toEqual([
      { id: 'ghost_c__ConfigMap', object: 'ConfigMap/ghost/c', namespace: 'ghost' },
    ]);
    expect(result.unknownKind).toEqual([]);
  });

  it('treats an object without namespace as in the default namespace', () => {
    const result = checkNamespaces([obj('v1', 'ConfigMap', 'a')], { clusterNamespaces: [] });
    expect(result.missingNamespace.map((p) => p.namespace)).toEqual(['default']);
  });

  it('knows custom kinds from CRDs in the render or in the cluster, and reports the rest as unknown', () => {
    const widget = obj('example.com/v1', 'Widget', 'w', 'a');
    const gadget = obj('other.io/v1', 'Gadget', 'g');
    const result = checkNamespaces([crd, widget, gadget, obj('other.io/v1', 'Thing', 't')], {
      clusterNamespaces: ['a'],
      clusterScopes: new Map([['other.io/Thing', 'Cluster' as const]]),
    });
    expect(result.missingNamespace).toEqual([]);
    expect(result.unknownKind.map((u) => u.id)).toEqual(['_g_other.io_Gadget']);
  });

  it('reads a CRD scope for cluster-scoped custom kinds', () => {
    const scopes = new ScopeTable([
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'x', undefined, {
        spec: { group: 'g.io', scope: 'Cluster', names: { kind: 'X' } },
      }),
    ]);
    expect(scopes.isClusterScoped('g.io', 'X')).toBe(true);
    expect(scopes.scopeOf('', 'Namespace')).toBe('Cluster');
    expect(scopes.scopeOf('apps', 'Deployment')).toBe('Namespaced');
    expect(scopes.scopeOf('nope.io', 'Nope')).toBeUndefined();
  });
});

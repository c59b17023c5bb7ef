/** The built-in kustomize transformers that touch names and metadata: namespace, prefix/suffix, labels, annotations, replicas. */
import { isBuiltinClusterScoped } from '../../objects/scope.js';
import type { FieldSpec } from './field-specs.js';
import { setPairs } from './field-specs.js';
import type { Resource } from './resource.js';
import { rememberId } from './resource.js';

const BINDING_KINDS = new Set(['RoleBinding', 'ClusterRoleBinding']);

/** `namespace:` — namespaced objects move; a Namespace object is renamed; binding subjects named "default" follow. */
export function setNamespace(resources: readonly Resource[], namespace: string): void {
  for (const res of resources) {
    const { obj } = res;
    if (BINDING_KINDS.has(obj.kind) && Array.isArray(obj['subjects'])) {
      for (const subject of obj['subjects'] as Array<Record<string, unknown>>) {
        if (subject && subject['name'] === 'default') subject['namespace'] = namespace;
      }
    }
    if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') {
      rememberId(res);
      obj.metadata.name = namespace;
    } else if (!isBuiltinClusterScoped(obj)) {
      rememberId(res);
      obj.metadata.namespace = namespace;
    }
  }
}

const NO_PREFIX_KINDS = new Set(['CustomResourceDefinition', 'APIService', 'Namespace']);

/** `namePrefix:` / `nameSuffix:` on metadata.name (not CRDs, APIServices or Namespaces). */
export function addNamePrefixSuffix(resources: readonly Resource[], prefix: string, suffix: string): void {
  if (prefix === '' && suffix === '') return;
  for (const res of resources) {
    if (NO_PREFIX_KINDS.has(res.obj.kind)) continue;
    rememberId(res);
    res.obj.metadata.name = `${prefix}${res.obj.metadata.name}${suffix}`;
  }
}

export function setLabelsOrAnnotations(
  resources: readonly Resource[],
  specs: readonly FieldSpec[],
  pairs: Record<string, string>,
): void {
  if (Object.keys(pairs).length === 0) return;
  for (const res of resources) setPairs(res.obj, specs, pairs);
}

const REPLICA_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'ReplicationController']);

/** `replicas:` — sets spec.replicas of the named workloads. */
export function setReplicas(resources: readonly Resource[], name: string, count: number): number {
  let matched = 0;
  for (const res of resources) {
    if (!REPLICA_KINDS.has(res.obj.kind)) continue;
    if (res.obj.metadata.name !== name && !res.history.some((h) => h.name === name)) continue;
    const spec = (res.obj['spec'] ??= {}) as Record<string, unknown>;
    spec['replicas'] = count;
    matched++;
  }
  return matched;
}

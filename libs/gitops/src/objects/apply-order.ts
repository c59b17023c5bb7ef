/**
 * Apply order, stable and total: Namespaces and CRDs first, then cluster-scoped config, then
 * namespaced config, then services, then workloads, then everything else, webhooks last
 * (in the spirit of fluxcd/pkg/ssa's sort). Prune runs the same order reversed.
 */
import type { KubeObject } from './kube-object.js';
import { parseApiVersion } from './kube-object.js';

export const ApplyPhase = {
  Foundation: 0,
  ClusterConfig: 1,
  NamespacedConfig: 2,
  Services: 3,
  Workloads: 4,
  Other: 5,
  Webhooks: 6,
} as const;
export type ApplyPhase = (typeof ApplyPhase)[keyof typeof ApplyPhase];

const KIND_ORDER: ReadonlyArray<readonly [string, ApplyPhase]> = [
  ['Namespace', ApplyPhase.Foundation],
  ['CustomResourceDefinition', ApplyPhase.Foundation],
  ['PriorityClass', ApplyPhase.ClusterConfig],
  ['RuntimeClass', ApplyPhase.ClusterConfig],
  ['StorageClass', ApplyPhase.ClusterConfig],
  ['IngressClass', ApplyPhase.ClusterConfig],
  ['PersistentVolume', ApplyPhase.ClusterConfig],
  ['ClusterRole', ApplyPhase.ClusterConfig],
  ['ClusterRoleBinding', ApplyPhase.ClusterConfig],
  ['ResourceQuota', ApplyPhase.NamespacedConfig],
  ['LimitRange', ApplyPhase.NamespacedConfig],
  ['ServiceAccount', ApplyPhase.NamespacedConfig],
  ['Secret', ApplyPhase.NamespacedConfig],
  ['ConfigMap', ApplyPhase.NamespacedConfig],
  ['Role', ApplyPhase.NamespacedConfig],
  ['RoleBinding', ApplyPhase.NamespacedConfig],
  ['PersistentVolumeClaim', ApplyPhase.NamespacedConfig],
  ['NetworkPolicy', ApplyPhase.NamespacedConfig],
  ['Service', ApplyPhase.Services],
  ['Endpoints', ApplyPhase.Services],
  ['EndpointSlice', ApplyPhase.Services],
  ['Pod', ApplyPhase.Workloads],
  ['ReplicationController', ApplyPhase.Workloads],
  ['ReplicaSet', ApplyPhase.Workloads],
  ['Deployment', ApplyPhase.Workloads],
  ['StatefulSet', ApplyPhase.Workloads],
  ['DaemonSet', ApplyPhase.Workloads],
  ['Job', ApplyPhase.Workloads],
  ['CronJob', ApplyPhase.Workloads],
  ['HorizontalPodAutoscaler', ApplyPhase.Other],
  ['PodDisruptionBudget', ApplyPhase.Other],
  ['Ingress', ApplyPhase.Other],
  ['MutatingWebhookConfiguration', ApplyPhase.Webhooks],
  ['ValidatingWebhookConfiguration', ApplyPhase.Webhooks],
];
const KIND_RANK = new Map(KIND_ORDER.map(([kind, phase], index) => [kind, { phase, index }]));

export function applyPhaseOf(obj: Pick<KubeObject, 'kind'>): ApplyPhase {
  return KIND_RANK.get(obj.kind)?.phase ?? ApplyPhase.Other;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Total order for apply: phase, known-kind rank, kind, group, namespace, name. */
export function compareForApply(a: KubeObject, b: KubeObject): number {
  const ra = KIND_RANK.get(a.kind);
  const rb = KIND_RANK.get(b.kind);
  const pa = ra?.phase ?? ApplyPhase.Other;
  const pb = rb?.phase ?? ApplyPhase.Other;
  if (pa !== pb) return pa - pb;
  const ia = ra?.index ?? Number.MAX_SAFE_INTEGER;
  const ib = rb?.index ?? Number.MAX_SAFE_INTEGER;
  if (ia !== ib) return ia - ib;
  return (
    cmp(a.kind, b.kind) ||
    cmp(parseApiVersion(a.apiVersion).group, parseApiVersion(b.apiVersion).group) ||
    cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    cmp(a.metadata.name, b.metadata.name)
  );
}

/** A sorted copy in apply order (compareForApply's order, with each object's sort key computed once). */
export function sortForApply<T extends KubeObject>(objects: readonly T[]): T[] {
  const keyed = objects.map((obj) => {
    const rank = KIND_RANK.get(obj.kind);
    return {
      obj,
      phase: rank?.phase ?? ApplyPhase.Other,
      index: rank?.index ?? Number.MAX_SAFE_INTEGER,
      group: parseApiVersion(obj.apiVersion).group,
      namespace: obj.metadata.namespace ?? '',
    };
  });
  keyed.sort(
    (a, b) =>
      a.phase - b.phase ||
      a.index - b.index ||
      cmp(a.obj.kind, b.obj.kind) ||
      cmp(a.group, b.group) ||
      cmp(a.namespace, b.namespace) ||
      cmp(a.obj.metadata.name, b.obj.metadata.name),
  );
  return keyed.map((k) => k.obj);
}

/** A sorted copy in prune (delete) order: the reverse of apply order. */
export function sortForPrune<T extends KubeObject>(objects: readonly T[]): T[] {
  return [...objects].sort((a, b) => compareForApply(b, a));
}

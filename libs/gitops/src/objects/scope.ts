/** Which kinds are cluster-scoped: a table of the built-in kinds, plus CRDs found in a render. */
import type { KubeObject } from './kube-object.js';
import { parseApiVersion } from './kube-object.js';

/** Built-in cluster-scoped kinds, keyed `<group>/<kind>` ('' group for core). */
export const BUILTIN_CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'scheduling.k8s.io/PriorityClass',
  'node.k8s.io/RuntimeClass',
  'policy/PodSecurityPolicy',
  'networking.k8s.io/IngressClass',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'authentication.k8s.io/TokenReview',
  'authorization.k8s.io/SelfSubjectAccessReview',
  'authorization.k8s.io/SelfSubjectRulesReview',
  'authorization.k8s.io/SubjectAccessReview',
]);

/** Built-in namespaced kinds we know of (so an unknown kind can be told apart). */
export const BUILTIN_NAMESPACED: ReadonlySet<string> = new Set([
  '/Pod',
  '/Service',
  '/ConfigMap',
  '/Secret',
  '/ServiceAccount',
  '/PersistentVolumeClaim',
  '/Endpoints',
  '/ReplicationController',
  '/ResourceQuota',
  '/LimitRange',
  '/Event',
  '/PodTemplate',
  'apps/Deployment',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'apps/ReplicaSet',
  'apps/ControllerRevision',
  'batch/Job',
  'batch/CronJob',
  'autoscaling/HorizontalPodAutoscaler',
  'policy/PodDisruptionBudget',
  'networking.k8s.io/Ingress',
  'networking.k8s.io/NetworkPolicy',
  'discovery.k8s.io/EndpointSlice',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  'coordination.k8s.io/Lease',
  'events.k8s.io/Event',
  'storage.k8s.io/CSIStorageCapacity',
]);

export type Scope = 'Cluster' | 'Namespaced';

/** Scope lookup over the built-in table and the CRDs of a render (their spec.scope). */
export class ScopeTable {
  private readonly custom = new Map<string, Scope>();

  constructor(objects: readonly KubeObject[] = []) {
    for (const obj of objects) this.addCrd(obj);
  }

  /** Records a CustomResourceDefinition's kind and scope; other objects are ignored. */
  addCrd(obj: KubeObject): void {
    if (obj.kind !== 'CustomResourceDefinition' || parseApiVersion(obj.apiVersion).group !== 'apiextensions.k8s.io')
      return;
    const spec = obj['spec'] as { group?: string; scope?: string; names?: { kind?: string } } | undefined;
    if (!spec?.group || !spec.names?.kind) return;
    this.custom.set(`${spec.group}/${spec.names.kind}`, spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced');
  }

  /** The scope of a group/kind, or undefined when neither built in nor defined by a known CRD. */
  scopeOf(group: string, kind: string): Scope | undefined {
    const key = `${group}/${kind}`;
    if (BUILTIN_CLUSTER_SCOPED.has(key)) return 'Cluster';
    if (BUILTIN_NAMESPACED.has(key)) return 'Namespaced';
    return this.custom.get(key);
  }

  isClusterScoped(group: string, kind: string): boolean {
    return this.scopeOf(group, kind) === 'Cluster';
  }
}

/** Scope check by built-in table only (kustomize's view: unknown kinds are namespaced). */
export function isBuiltinClusterScoped(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return BUILTIN_CLUSTER_SCOPED.has(`${parseApiVersion(obj.apiVersion).group}/${obj.kind}`);
}

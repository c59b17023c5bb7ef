// The resource types the emulator serves: the built-in kinds and the shape of a type that a
// CustomResourceDefinition registers. One entry per (group, version, plural).
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Has a `status` subresource: status is ignored on main-resource writes and vice versa. */
  status: boolean;
  /** Has a `scale` subresource; the paths of spec replicas/status replicas/selector. */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** metadata.generation is kept and bumped on spec changes. */
  generation: boolean;
  /** Built-in kinds know their keyed lists (strategic merge); custom resources treat lists as atomic. */
  builtin: boolean;
  /** A CRD version's additionalPrinterColumns, for `kubectl get` tables. */
  printerColumns?: { name: string; type: string; jsonPath: string }[];
}

export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersionOf(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

const deploymentScale = {
  specReplicasPath: '.spec.replicas',
  statusReplicasPath: '.status.replicas',
  labelSelectorPath: '.status.selector',
};

function t(
  group: string,
  version: string,
  kind: string,
  plural: string,
  opts: Partial<
    Pick<ResourceType, 'namespaced' | 'shortNames' | 'status' | 'scale' | 'generation' | 'categories'>
  > = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced: opts.namespaced ?? true,
    shortNames: opts.shortNames ?? [],
    categories: opts.categories ?? [],
    status: opts.status ?? false,
    scale: opts.scale,
    generation: opts.generation ?? false,
    builtin: true,
  };
}

const all = ['all'];

export const BUILTIN_TYPES: ResourceType[] = [
  t('', 'v1', 'Namespace', 'namespaces', { namespaced: false, shortNames: ['ns'], status: true }),
  t('', 'v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  t('', 'v1', 'Secret', 'secrets'),
  t('', 'v1', 'Service', 'services', { shortNames: ['svc'], status: true, categories: all }),
  t('', 'v1', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'] }),
  t('', 'v1', 'Pod', 'pods', { shortNames: ['po'], status: true, categories: all }),
  t('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', { shortNames: ['pvc'], status: true }),
  t('apps', 'v1', 'Deployment', 'deployments', {
    shortNames: ['deploy'],
    status: true,
    scale: deploymentScale,
    generation: true,
    categories: all,
  }),
  t('apps', 'v1', 'StatefulSet', 'statefulsets', {
    shortNames: ['sts'],
    status: true,
    scale: deploymentScale,
    generation: true,
    categories: all,
  }),
  t('apps', 'v1', 'DaemonSet', 'daemonsets', { shortNames: ['ds'], status: true, generation: true, categories: all }),
  t('apps', 'v1', 'ReplicaSet', 'replicasets', {
    shortNames: ['rs'],
    status: true,
    scale: deploymentScale,
    generation: true,
    categories: all,
  }),
  t('batch', 'v1', 'Job', 'jobs', { status: true, generation: true, categories: all }),
  t('batch', 'v1', 'CronJob', 'cronjobs', { shortNames: ['cj'], status: true, generation: true, categories: all }),
  t('networking.k8s.io', 'v1', 'Ingress', 'ingresses', { shortNames: ['ing'], status: true, generation: true }),
  t('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', { shortNames: ['netpol'], generation: true }),
  t('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', {
    shortNames: ['hpa'],
    status: true,
    categories: all,
  }),
  t('rbac.authorization.k8s.io', 'v1', 'Role', 'roles'),
  t('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings'),
  t('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', { namespaced: false }),
  t('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', { namespaced: false }),
  t('', 'v1', 'Node', 'nodes', { namespaced: false, shortNames: ['no'], status: true }),
  t('', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
  t('', 'v1', 'Endpoints', 'endpoints', { shortNames: ['ep'] }),
  t('', 'v1', 'PersistentVolume', 'persistentvolumes', { namespaced: false, shortNames: ['pv'], status: true }),
  t('', 'v1', 'ResourceQuota', 'resourcequotas', { shortNames: ['quota'], status: true }),
  t('', 'v1', 'LimitRange', 'limitranges', { shortNames: ['limits'] }),
  t('events.k8s.io', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
  t('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  t('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', {
    shortNames: ['pdb'],
    status: true,
    generation: true,
  }),
  t('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', { namespaced: false, shortNames: ['sc'] }),
  t('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', { namespaced: false }),
  t('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', { namespaced: false, shortNames: ['pc'] }),
  t('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', {
    namespaced: false,
    generation: true,
  }),
  t('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', {
    namespaced: false,
    generation: true,
  }),
  t('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', {
    namespaced: false,
    shortNames: ['crd', 'crds'],
    status: true,
    generation: true,
  }),
];

/** The resource types a CustomResourceDefinition object declares (one per served version). */
export function typesFromCrd(crd: any): ResourceType[] {
  const spec = crd?.spec ?? {};
  const names = spec.names ?? {};
  const versions: any[] = Array.isArray(spec.versions) ? spec.versions : [];
  return versions
    .filter((v) => v?.served !== false && typeof v?.name === 'string')
    .map((v) => {
      const scale = v.subresources?.scale;
      return {
        group: String(spec.group ?? ''),
        version: v.name,
        kind: String(names.kind ?? ''),
        plural: String(names.plural ?? ''),
        singular: String(names.singular ?? String(names.kind ?? '').toLowerCase()),
        namespaced: spec.scope !== 'Cluster',
        shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
        categories: Array.isArray(names.categories) ? names.categories.map(String) : [],
        status: !!v.subresources?.status,
        scale: scale
          ? {
              specReplicasPath: scale.specReplicasPath,
              statusReplicasPath: scale.statusReplicasPath,
              labelSelectorPath: scale.labelSelectorPath,
            }
          : undefined,
        generation: true,
        builtin: false,
        printerColumns: Array.isArray(v.additionalPrinterColumns)
          ? v.additionalPrinterColumns
              .filter((c: any) => c?.name && c?.jsonPath)
              .map((c: any) => ({
                name: String(c.name),
                type: String(c.type ?? 'string'),
                jsonPath: String(c.jsonPath),
              }))
          : undefined,
      };
    });
}

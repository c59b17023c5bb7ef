// Storage as a real API server does it for built-in kinds: the object is decoded into Go structs
// and encoded again, so every `omitempty` field holding its zero value comes back absent. Rules
// (from k8s.io/api core/v1, apps/v1, batch/v1, rbac/v1 and apimachinery meta/v1 types.go):
// - null is always dropped (it decodes to the zero value or a nil pointer);
// - false, 0 and "" are dropped, except in pointer fields (`*int32`, `*bool`, `*string`: replicas,
//   suspend, immutable, runAsUser, …) and the few required fields without omitempty (containerPort,
//   port, …), which keep them;
// - [] is dropped (slices are omitempty), except the required `containers` and `verbs`;
// - {} is dropped for maps (labels, annotations, nodeSelector, data, Service selector, resource
//   lists, …) and kept for structs (`securityContext: {}`, `emptyDir: {}`, `resources: {}`): a
//   pointer to an empty struct is not nil, and omitempty never drops a struct value;
// - the values inside maps and the items of lists are kept as they are (`args: [""]` stays).
// Custom resources are stored as sent (their structural schema is not emulated).
type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fields that are pointers (or required without omitempty) in the Go types: zero values are kept. */
const KEEPS_ZERO = new Set([
  // apps/v1, batch/v1
  'replicas',
  'revisionHistoryLimit',
  'progressDeadlineSeconds',
  'partition',
  'maxUnavailable',
  'maxSurge',
  'parallelism',
  'completions',
  'backoffLimit',
  'backoffLimitPerIndex',
  'maxFailedIndexes',
  'activeDeadlineSeconds',
  'ttlSecondsAfterFinished',
  'manualSelector',
  'suspend',
  'completionMode',
  'podReplacementPolicy',
  'managedBy',
  'startingDeadlineSeconds',
  'successfulJobsHistoryLimit',
  'failedJobsHistoryLimit',
  'timeZone',
  'start',
  // core/v1 pod
  'terminationGracePeriodSeconds',
  'automountServiceAccountToken',
  'enableServiceLinks',
  'priority',
  'shareProcessNamespace',
  'hostUsers',
  'setHostnameAsFQDN',
  'preemptionPolicy',
  'runtimeClassName',
  'runAsUser',
  'runAsGroup',
  'runAsNonRoot',
  'readOnlyRootFilesystem',
  'privileged',
  'allowPrivilegeEscalation',
  'fsGroup',
  'fsGroupChangePolicy',
  'procMount',
  'supplementalGroupsPolicy',
  'defaultMode',
  'mode',
  'optional',
  'tolerationSeconds',
  'sizeLimit',
  'expirationSeconds',
  'storageClassName',
  'volumeMode',
  // core/v1 Service, ConfigMap/Secret, ObjectMeta's owner references
  'allocateLoadBalancerNodePorts',
  'loadBalancerClass',
  'internalTrafficPolicy',
  'ipFamilyPolicy',
  'trafficDistribution',
  'immutable',
  'controller',
  'blockOwnerDeletion',
  'deletionGracePeriodSeconds',
  // required, no omitempty
  'containerPort',
  'port',
  'weight',
  'maxSkew',
  'topologyKey',
  'mountPath',
]);

/** The same under `status` (where `replicas` and the other counts are plain omitempty ints). */
const STATUS_KEEPS_ZERO = new Set([
  'collisionCount',
  'terminatingReplicas',
  'ready',
  'terminating',
  'restartCount',
  'exitCode',
  'started',
  'port',
]);

/** Required lists without omitempty: [] is kept. */
const KEEPS_EMPTY_LIST = new Set(['containers', 'verbs']);

/** Map-typed fields (string keys chosen by the user): {} is dropped, values are not walked. */
const MAPS = new Set([
  'labels',
  'annotations',
  'nodeSelector',
  'matchLabels',
  'data',
  'binaryData',
  'stringData',
  'limits',
  'requests',
  'capacity',
  'allocatable',
  'hard',
  'used',
  'overhead',
  'parameters',
]);

/** The built-in kinds whose types these rules describe (other built-in kinds are stored as sent). */
export const OMITEMPTY_KINDS = new Set([
  'ConfigMap',
  'Secret',
  'Namespace',
  'ServiceAccount',
  'Service',
  'Pod',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
]);

function isMap(key: string, path: string): boolean {
  // A Service's selector is a map; a workload's selector is a LabelSelector struct.
  return MAPS.has(key) || (key === 'selector' && path === 'Service.spec');
}

/** Whether `path` (`Kind.status…`) lies under the object's status. */
function inStatus(path: string): boolean {
  const dot = path.indexOf('.');
  return dot > 0 && path.startsWith('status', dot + 1);
}

/** The value as stored, or undefined when the field is left out. */
function field(key: string, v: unknown, path: string): unknown {
  if (v === null || v === undefined) return undefined;
  if (v === false || v === 0 || v === '')
    return (inStatus(path) ? STATUS_KEEPS_ZERO : KEEPS_ZERO).has(key) ? v : undefined;
  if (Array.isArray(v)) {
    if (v.length === 0) return KEEPS_EMPTY_LIST.has(key) ? v : undefined;
    return list(v, `${path}.${key}`);
  }
  if (isObj(v)) {
    if (isMap(key, path)) {
      const out = withoutNullValues(v);
      return Object.keys(out).length === 0 ? undefined : out;
    }
    return struct(v, `${path}.${key}`);
  }
  return v;
}

/** A map's null values decode to nothing; its other values are kept (`""` included). */
function withoutNullValues(m: Obj): Obj {
  if (!Object.values(m).some((v) => v === null)) return m;
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== null));
}

function list(items: unknown[], path: string): unknown[] {
  let out: unknown[] | undefined;
  items.forEach((item, i) => {
    const next = isObj(item) ? struct(item, path) : item;
    if (next !== item) (out ??= [...items])[i] = next;
  });
  return out ?? items;
}

/** Kept as written: the field-manager records (FieldsV1 is raw JSON to the server). */
const OPAQUE = new Set(['managedFields']);

function struct(o: Obj, path: string): Obj {
  let out: Obj | undefined;
  for (const [k, v] of Object.entries(o)) {
    if (OPAQUE.has(k)) continue;
    const next = field(k, v, path);
    if (next === v) continue;
    out ??= { ...o };
    if (next === undefined) delete out[k];
    else out[k] = next;
  }
  return out ?? o;
}

/**
 * The object as a real API server would store it (see the rules above); the same object when
 * nothing is left out. Only kinds in OMITEMPTY_KINDS; status included.
 */
export function omitEmpty(kind: string, builtin: boolean, obj: Obj): Obj {
  if (!builtin || !OMITEMPTY_KINDS.has(kind)) return obj;
  return struct(obj, kind);
}

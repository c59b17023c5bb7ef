// Known fields of the built-in kinds, for field validation: a real server drops fields its
// schema does not declare, and with fieldValidation=Strict (kubectl's default) rejects them.
// Structures not listed here (affinity, probes, …) are accepted as they are.
type Node = { [field: string]: string | null };

const f = (names: string, typed: Record<string, string> = {}): Node => {
  const n: Node = {};
  for (const k of names.split(/\s+/).filter(Boolean)) n[k] = null;
  return { ...n, ...typed };
};

const TYPES: Record<string, Node> = {
  ObjectMeta: f(
    'name generateName namespace selfLink uid resourceVersion generation creationTimestamp deletionTimestamp deletionGracePeriodSeconds labels annotations ownerReferences finalizers managedFields',
  ),
  PodTemplateSpec: f('', { metadata: 'ObjectMeta', spec: 'PodSpec' }),
  PodSpec: f(
    'volumes ephemeralContainers restartPolicy terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy nodeSelector serviceAccountName serviceAccount automountServiceAccountToken nodeName hostNetwork hostPID hostIPC shareProcessNamespace securityContext imagePullSecrets hostname subdomain affinity schedulerName tolerations hostAliases priorityClassName priority dnsConfig readinessGates runtimeClassName enableServiceLinks preemptionPolicy overhead topologySpreadConstraints setHostnameAsFQDN os hostUsers schedulingGates resourceClaims resources',
    { containers: '[]Container', initContainers: '[]Container' },
  ),
  Container: f(
    'name image command args workingDir ports envFrom env resources resizePolicy restartPolicy volumeMounts volumeDevices livenessProbe readinessProbe startupProbe lifecycle terminationMessagePath terminationMessagePolicy imagePullPolicy securityContext stdin stdinOnce tty',
  ),
  DeploymentSpec: f('replicas selector strategy minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds', {
    template: 'PodTemplateSpec',
  }),
  StatefulSetSpec: f(
    'replicas selector volumeClaimTemplates serviceName podManagementPolicy updateStrategy revisionHistoryLimit minReadySeconds persistentVolumeClaimRetentionPolicy ordinals',
    {
      template: 'PodTemplateSpec',
    },
  ),
  DaemonSetSpec: f('selector updateStrategy minReadySeconds revisionHistoryLimit', { template: 'PodTemplateSpec' }),
  ReplicaSetSpec: f('replicas minReadySeconds selector', { template: 'PodTemplateSpec' }),
  JobSpec: f(
    'parallelism completions activeDeadlineSeconds podFailurePolicy successPolicy backoffLimit backoffLimitPerIndex maxFailedIndexes selector manualSelector ttlSecondsAfterFinished completionMode suspend podReplacementPolicy managedBy',
    { template: 'PodTemplateSpec' },
  ),
  JobTemplateSpec: f('', { metadata: 'ObjectMeta', spec: 'JobSpec' }),
  CronJobSpec: f(
    'schedule timeZone startingDeadlineSeconds concurrencyPolicy suspend successfulJobsHistoryLimit failedJobsHistoryLimit',
    { jobTemplate: 'JobTemplateSpec' },
  ),
  ServiceSpec: f(
    'ports selector clusterIP clusterIPs type externalIPs sessionAffinity loadBalancerIP loadBalancerSourceRanges externalName externalTrafficPolicy healthCheckNodePort publishNotReadyAddresses sessionAffinityConfig ipFamilies ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy trafficDistribution',
  ),
};

const TOP = 'apiVersion kind';
const KINDS: Record<string, Node> = {
  ConfigMap: f(`${TOP} data binaryData immutable`, { metadata: 'ObjectMeta' }),
  Secret: f(`${TOP} data stringData type immutable`, { metadata: 'ObjectMeta' }),
  Namespace: f(`${TOP} spec status`, { metadata: 'ObjectMeta' }),
  ServiceAccount: f(`${TOP} secrets imagePullSecrets automountServiceAccountToken`, { metadata: 'ObjectMeta' }),
  Service: f(`${TOP} status`, { metadata: 'ObjectMeta', spec: 'ServiceSpec' }),
  Pod: f(`${TOP} status`, { metadata: 'ObjectMeta', spec: 'PodSpec' }),
  Deployment: f(`${TOP} status`, { metadata: 'ObjectMeta', spec: 'DeploymentSpec' }),
  StatefulSet: f(`${TOP} status`, { metadata: 'ObjectMeta', spec: 'StatefulSetSpec' }),
  DaemonSet: f(`${TOP} status`, { metadata: 'ObjectMeta', spec: 'DaemonSetSpec' }),
  ReplicaSet: f(`${TOP} status`, { metadata: 'ObjectMeta', spec: 'ReplicaSetSpec' }),
  Job: f(`${TOP} status`, { metadata: 'ObjectMeta', spec: 'JobSpec' }),
  CronJob: f(`${TOP} status`, { metadata: 'ObjectMeta', spec: 'CronJobSpec' }),
  Role: f(`${TOP} rules`, { metadata: 'ObjectMeta' }),
  ClusterRole: f(`${TOP} rules aggregationRule`, { metadata: 'ObjectMeta' }),
  RoleBinding: f(`${TOP} subjects roleRef`, { metadata: 'ObjectMeta' }),
  ClusterRoleBinding: f(`${TOP} subjects roleRef`, { metadata: 'ObjectMeta' }),
};

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fieldPath(parent: string, k: string): string {
  return parent ? `${parent}.${k}` : k;
}

function walk(v: unknown, node: Node, path: string, unknown: string[]): unknown {
  if (!isObj(v)) return v;
  let out: Record<string, any> | undefined;
  for (const k of Object.keys(v)) {
    if (!(k in node)) {
      if (k.startsWith('$')) continue;
      unknown.push(fieldPath(path, k));
      out ??= { ...v };
      delete out[k];
      continue;
    }
    const type = node[k];
    if (!type) continue;
    // The path is only spelled out below declared structures, not for every leaf.
    const p = fieldPath(path, k);
    const child = v[k];
    let next: unknown = child;
    if (type.startsWith('[]') && Array.isArray(child)) {
      const items = child.map((item, i) => walk(item, TYPES[type.slice(2)], `${p}[${i}]`, unknown));
      if (items.some((item, i) => item !== child[i])) next = items;
    } else if (!type.startsWith('[]')) next = walk(child, TYPES[type], p, unknown);
    if (next !== child) {
      out ??= { ...v };
      out[k] = next;
    }
  }
  return out ?? v;
}

/** The object without undeclared fields, and the paths of those fields ("spec.replcas"). */
export function pruneUnknown(kind: string, builtin: boolean, obj: any): { obj: any; unknown: string[] } {
  const node = builtin ? KINDS[kind] : undefined;
  if (!node) return { obj, unknown: [] };
  const unknown: string[] = [];
  return { obj: walk(obj, node, '', unknown), unknown };
}

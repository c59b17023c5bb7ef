/**
 * kstatus-like health of one live object: workloads by their rollout status, Jobs by completion,
 * PVCs by phase, LoadBalancer Services by ingress, CRDs by Established, anything else by its
 * Ready (or Stalled) condition, and otherwise Healthy once it exists.
 */
import type { KubeObject } from '../objects/kube-object.js';
import { parseApiVersion } from '../objects/kube-object.js';
import { conditionOf, describeCondition, generationPending, specOf, statusOf } from './conditions.js';
import type { Health } from './health-status.js';
import { HealthStatus } from './health-status.js';
import {
  cronJobHealth,
  daemonSetHealth,
  deploymentHealth,
  jobHealth,
  replicaSetHealth,
  statefulSetHealth,
} from './workloads.js';

function pvcHealth(obj: KubeObject): Health {
  const phase = statusOf(obj)['phase'];
  if (phase === 'Bound') return { status: HealthStatus.Healthy, message: 'claim is bound' };
  if (phase === 'Lost') return { status: HealthStatus.Degraded, message: 'claim lost its volume' };
  return { status: HealthStatus.Progressing, message: `claim is ${typeof phase === 'string' ? phase : 'pending'}` };
}

function serviceHealth(obj: KubeObject): Health {
  if (specOf(obj)['type'] !== 'LoadBalancer') return { status: HealthStatus.Healthy, message: 'service exists' };
  const ingress = (statusOf(obj)['loadBalancer'] as { ingress?: unknown[] } | undefined)?.ingress;
  if (Array.isArray(ingress) && ingress.length > 0)
    return { status: HealthStatus.Healthy, message: 'load balancer provisioned' };
  return { status: HealthStatus.Progressing, message: 'waiting for a load balancer address' };
}

function crdHealth(obj: KubeObject): Health {
  const names = conditionOf(obj, 'NamesAccepted');
  if (names?.status === 'False')
    return { status: HealthStatus.Degraded, message: `names not accepted: ${describeCondition(names)}` };
  const established = conditionOf(obj, 'Established');
  if (established?.status === 'True') return { status: HealthStatus.Healthy, message: 'established' };
  return { status: HealthStatus.Progressing, message: 'waiting to be established' };
}

/** Objects with conditions but no kind-specific rule (custom resources, Pods…). */
function conditionHealth(obj: KubeObject): Health | undefined {
  const stalled = conditionOf(obj, 'Stalled');
  if (stalled?.status === 'True')
    return { status: HealthStatus.Degraded, message: `stalled: ${describeCondition(stalled)}` };
  const ready = conditionOf(obj, 'Ready');
  if (!ready) return undefined;
  if (ready.status === 'True') return { status: HealthStatus.Healthy, message: describeCondition(ready) };
  const reconciling =
    conditionOf(obj, 'Reconciling')?.status === 'True' || generationPending(obj) || ready.status !== 'False';
  return {
    status: reconciling ? HealthStatus.Progressing : HealthStatus.Degraded,
    message: `not ready: ${describeCondition(ready)}`,
  };
}

const BY_KIND: Readonly<Record<string, (obj: KubeObject) => Health>> = {
  'apps/Deployment': deploymentHealth,
  'apps/StatefulSet': statefulSetHealth,
  'apps/DaemonSet': daemonSetHealth,
  'apps/ReplicaSet': replicaSetHealth,
  'batch/Job': jobHealth,
  'batch/CronJob': cronJobHealth,
  '/PersistentVolumeClaim': pvcHealth,
  '/Service': serviceHealth,
  'apiextensions.k8s.io/CustomResourceDefinition': crdHealth,
};

/** The health of a live object (`undefined` = it does not exist). */
export function health(obj: KubeObject | undefined): Health {
  if (!obj) return { status: HealthStatus.Missing, message: 'object does not exist' };
  if (obj.metadata['deletionTimestamp'])
    return { status: HealthStatus.Progressing, message: 'object is being deleted' };
  const check = BY_KIND[`${parseApiVersion(obj.apiVersion).group}/${obj.kind}`];
  if (check) return check(obj);
  const byCondition = conditionHealth(obj);
  if (byCondition) return byCondition;
  if (generationPending(obj))
    return { status: HealthStatus.Progressing, message: 'waiting for the controller to observe the latest generation' };
  return { status: HealthStatus.Healthy, message: 'object exists' };
}

/**
 * Kinds Kubernetes keeps no status for (no status, no conditions, no generation to observe): their
 * health is Healthy once they exist, so a successful apply answers it without watching them.
 */
const STATUSLESS = new Set([
  '/ConfigMap',
  '/Secret',
  '/ServiceAccount',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
]);

export function hasNoStatus(apiVersion: string, kind: string): boolean {
  return STATUSLESS.has(`${parseApiVersion(apiVersion).group}/${kind}`);
}

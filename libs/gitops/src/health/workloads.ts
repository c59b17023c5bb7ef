/** Health of the workload controllers: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob. */
import type { KubeObject } from '../objects/kube-object.js';
import { conditionOf, describeCondition, generationPending, num, specOf, statusOf } from './conditions.js';
import type { Health } from './health-status.js';
import { HealthStatus } from './health-status.js';

const progressing = (message: string): Health => ({ status: HealthStatus.Progressing, message });
const healthy = (message: string): Health => ({ status: HealthStatus.Healthy, message });
const WAITING = 'waiting for the controller to observe the latest generation';

export function deploymentHealth(obj: KubeObject): Health {
  const spec = specOf(obj);
  const status = statusOf(obj);
  if (spec['paused'] === true) return { status: HealthStatus.Suspended, message: 'rollout is paused' };
  if (generationPending(obj)) return progressing(WAITING);
  const cond = conditionOf(obj, 'Progressing');
  if (cond?.reason === 'ProgressDeadlineExceeded')
    return {
      status: HealthStatus.Degraded,
      message: `rollout exceeded its progress deadline: ${describeCondition(cond)}`,
    };
  const replicas = num(spec['replicas'], 1);
  const updated = num(status['updatedReplicas']);
  const total = num(status['replicas']);
  const available = num(status['availableReplicas']);
  if (updated < replicas) return progressing(`${updated} of ${replicas} replicas updated`);
  if (total > updated) return progressing(`${total - updated} old replicas pending termination`);
  if (available < updated) return progressing(`${available} of ${updated} updated replicas available`);
  return healthy(`${available} of ${replicas} replicas available`);
}

export function statefulSetHealth(obj: KubeObject): Health {
  const spec = specOf(obj);
  const status = statusOf(obj);
  if (generationPending(obj)) return progressing(WAITING);
  const replicas = num(spec['replicas'], 1);
  const ready = num(status['readyReplicas']);
  if (ready < replicas) return progressing(`${ready} of ${replicas} replicas ready`);
  const strategy = (spec['updateStrategy'] ?? {}) as { type?: string; rollingUpdate?: { partition?: number } };
  if (strategy.type === 'OnDelete') return healthy(`${ready} of ${replicas} replicas ready (OnDelete updates)`);
  const partition = num(strategy.rollingUpdate?.partition);
  const updated = num(status['updatedReplicas']);
  if (partition > 0) {
    if (updated < replicas - partition)
      return progressing(`${updated} of ${replicas - partition} partitioned replicas updated`);
    return healthy(`partitioned rollout: ${updated} replicas updated`);
  }
  if (status['updateRevision'] !== undefined && status['currentRevision'] !== status['updateRevision']) {
    return progressing(`${updated} of ${replicas} replicas on the update revision`);
  }
  return healthy(`${ready} of ${replicas} replicas ready`);
}

export function daemonSetHealth(obj: KubeObject): Health {
  const status = statusOf(obj);
  if (generationPending(obj)) return progressing(WAITING);
  const desired = num(status['desiredNumberScheduled']);
  const updated = num(status['updatedNumberScheduled']);
  const available = num(status['numberAvailable']);
  if ((specOf(obj)['updateStrategy'] as { type?: string } | undefined)?.type !== 'OnDelete' && updated < desired) {
    return progressing(`${updated} of ${desired} pods updated`);
  }
  if (available < desired) return progressing(`${available} of ${desired} pods available`);
  return healthy(`${available} of ${desired} pods available`);
}

export function replicaSetHealth(obj: KubeObject): Health {
  if (generationPending(obj)) return progressing(WAITING);
  const failure = conditionOf(obj, 'ReplicaFailure');
  if (failure?.status === 'True') return { status: HealthStatus.Degraded, message: describeCondition(failure) };
  const replicas = num(specOf(obj)['replicas'], 1);
  const available = num(statusOf(obj)['availableReplicas']);
  if (available < replicas) return progressing(`${available} of ${replicas} replicas available`);
  return healthy(`${available} of ${replicas} replicas available`);
}

export function jobHealth(obj: KubeObject): Health {
  const failed = conditionOf(obj, 'Failed');
  if (failed?.status === 'True')
    return { status: HealthStatus.Degraded, message: `job failed: ${describeCondition(failed)}` };
  const complete = conditionOf(obj, 'Complete');
  if (complete?.status === 'True') return healthy('job completed');
  if (specOf(obj)['suspend'] === true) return { status: HealthStatus.Suspended, message: 'job is suspended' };
  return progressing(
    `job running: ${num(statusOf(obj)['active'])} active, ${num(statusOf(obj)['succeeded'])} succeeded`,
  );
}

export function cronJobHealth(obj: KubeObject): Health {
  if (specOf(obj)['suspend'] === true) return { status: HealthStatus.Suspended, message: 'cron job is suspended' };
  const last = statusOf(obj)['lastScheduleTime'];
  return healthy(typeof last === 'string' ? `last scheduled at ${last}` : 'not scheduled yet');
}

// Simulated controllers: Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, Pods,
// PersistentVolumeClaims and LoadBalancer Services get the status a real cluster would give
// them, a configurable delay after each spec change (or creation). A
// container image tagged `:broken` never becomes available; a Deployment or Job with one
// fails after its progress deadline (scaled by `progressDeadlineScale` for tests).
import { type Api, now } from './api.js';
import { storeKey } from './registry.js';
import type { ResourceType } from './resources.js';

export interface SimulationSettings {
  delayMs: number;
  /** Multiplies progressDeadlineSeconds (1 = real time; 0.01 turns 600 s into 6 s). */
  progressDeadlineScale: number;
}

const KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'Pod',
  'PersistentVolumeClaim',
  'Service',
]);
const MANAGER = 'kube-controller-manager';

function broken(obj: any): boolean {
  const spec = obj.kind === 'Pod' ? (obj.spec ?? {}) : (obj.spec?.template?.spec ?? {});
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].some(
    (c: any) => typeof c?.image === 'string' && c.image.endsWith(':broken'),
  );
}

function cond(type: string, status: string, reason: string, message: string, at: string): Record<string, string> {
  return { type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message };
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * A hash of each code point's first UTF-16 unit of the pod template's JSON. Walked by index:
 * for…of made a string per character; a surrogate pair counts once, as it did there.
 */
function hash(obj: any): string {
  const s = JSON.stringify(obj.spec?.template ?? {});
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h = (h * 31 + c) >>> 0;
    if (isHigh(c) && isLow(s.charCodeAt(i + 1))) i++;
  }
  return h.toString(36).slice(0, 10);
}

export function workloadStatus(t: ResourceType, obj: any, timedOut: boolean): any {
  const gen = obj.metadata.generation;
  const n = obj.spec?.replicas ?? 1;
  const bad = broken(obj);
  const ok = bad ? 0 : n;
  const at = now();
  const rs = `${obj.metadata.name}-${hash(obj)}`;
  switch (t.kind) {
    case 'Deployment': {
      const progressing = !bad
        ? cond('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rs}" has successfully progressed.`, at)
        : timedOut
          ? cond(
              'Progressing',
              'False',
              'ProgressDeadlineExceeded',
              `ReplicaSet "${rs}" has timed out progressing.`,
              at,
            )
          : cond('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rs}" is progressing.`, at);
      const available = bad
        ? cond('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', at)
        : cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', at);
      const s: any = {
        observedGeneration: gen,
        replicas: n,
        updatedReplicas: n,
        readyReplicas: ok,
        availableReplicas: ok,
        unavailableReplicas: n - ok,
        conditions: [available, progressing],
      };
      for (const k of ['readyReplicas', 'availableReplicas', 'unavailableReplicas', 'replicas', 'updatedReplicas'])
        if (s[k] === 0) delete s[k];
      return s;
    }
    case 'StatefulSet':
      return {
        observedGeneration: gen,
        replicas: n,
        readyReplicas: ok,
        currentReplicas: n,
        updatedReplicas: n,
        availableReplicas: ok,
        currentRevision: rs,
        updateRevision: rs,
        collisionCount: 0,
      };
    case 'ReplicaSet':
      return {
        observedGeneration: gen,
        replicas: n,
        fullyLabeledReplicas: n,
        readyReplicas: ok,
        availableReplicas: ok,
      };
    case 'DaemonSet':
      return {
        observedGeneration: gen,
        desiredNumberScheduled: 1,
        currentNumberScheduled: 1,
        updatedNumberScheduled: 1,
        numberMisscheduled: 0,
        numberReady: bad ? 0 : 1,
        numberAvailable: bad ? 0 : 1,
        ...(bad ? { numberUnavailable: 1 } : {}),
      };
    case 'Job': {
      const start = obj.status?.startTime ?? at;
      if (bad && timedOut)
        return {
          startTime: start,
          failed: 1,
          conditions: [
            cond('FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', at),
            cond('Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', at),
          ],
        };
      if (bad) return { startTime: start, active: 1, ready: 0 };
      const done = obj.spec?.completions ?? 1;
      return {
        startTime: start,
        completionTime: at,
        succeeded: done,
        ready: 0,
        conditions: [
          cond('SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', at),
          cond('Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', at),
        ],
      };
    }
    case 'Pod': {
      const containers: any[] = obj.spec?.containers ?? [];
      const statuses = containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: '',
        ready: !bad,
        restartCount: 0,
        started: !bad,
        state: bad
          ? { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` } }
          : { running: { startedAt: at } },
      }));
      const ready = bad ? 'False' : 'True';
      return {
        phase: bad ? 'Pending' : 'Running',
        conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
          type,
          status: type === 'PodScheduled' || type === 'Initialized' ? 'True' : ready,
          lastTransitionTime: at,
        })),
        hostIP: '10.0.0.1',
        podIP: '10.244.0.10',
        startTime: at,
        containerStatuses: statuses,
      };
    }
    case 'PersistentVolumeClaim':
      return {
        phase: 'Bound',
        accessModes: obj.spec?.accessModes ?? ['ReadWriteOnce'],
        capacity: { storage: obj.spec?.resources?.requests?.storage ?? '1Gi' },
      };
    case 'Service':
      return obj.spec?.type === 'LoadBalancer' ? { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } : obj.status;
  }
  return obj.status;
}

export class Simulator {
  private timers = new Map<string, NodeJS.Timeout[]>();

  constructor(
    private api: Api,
    readonly settings: SimulationSettings,
  ) {
    api.hooks.push((t, obj, prev) => {
      if (!t.builtin || !KINDS.has(t.kind)) return;
      if (prev && (!t.generation || prev.metadata.generation === obj.metadata.generation)) return;
      if (t.kind === 'Service' && obj.spec?.type !== 'LoadBalancer') return;
      this.schedule(t, obj);
    });
    api.removeHooks.push((t, obj) => this.cancel(`${storeKey(t)}/${obj.metadata.namespace}/${obj.metadata.name}`));
  }

  private cancel(key: string): void {
    for (const tm of this.timers.get(key) ?? []) clearTimeout(tm);
    this.timers.delete(key);
  }

  private schedule(t: ResourceType, obj: any): void {
    const key = `${storeKey(t)}/${obj.metadata.namespace}/${obj.metadata.name}`;
    this.cancel(key);
    const gen = obj.metadata.generation;
    const timers = [setTimeout(() => this.progress(t, obj, gen, false), this.settings.delayMs)];
    if (broken(obj) && (t.kind === 'Deployment' || t.kind === 'Job')) {
      const seconds =
        t.kind === 'Job' ? (obj.spec?.activeDeadlineSeconds ?? 600) : (obj.spec?.progressDeadlineSeconds ?? 600);
      timers.push(
        setTimeout(
          () => this.progress(t, obj, gen, true),
          Math.max(this.settings.delayMs, seconds * 1000 * this.settings.progressDeadlineScale),
        ),
      );
    }
    for (const tm of timers) tm.unref();
    this.timers.set(key, timers);
  }

  private progress(t: ResourceType, seen: any, gen: number, timedOut: boolean): void {
    const cur = this.api.store.get(storeKey(t), seen.metadata.namespace ?? '', seen.metadata.name);
    if (!cur || cur.metadata.generation !== gen || cur.metadata.deletionTimestamp) return;
    if (!t.status) return;
    try {
      this.api.commit(
        t,
        cur,
        { ...cur, status: workloadStatus(t, cur, timedOut) },
        { manager: MANAGER, dryRun: false, subresource: 'status' },
      );
    } catch (e) {
      // A timer must never take the emulator down; the object simply keeps its old status.
      console.error(
        `kube-sim: simulated status of ${t.kind} ${cur.metadata.namespace ?? ''}/${cur.metadata.name} failed: ${(e as Error).message}`,
      );
    }
  }

  stop(): void {
    for (const k of [...this.timers.keys()]) this.cancel(k);
  }
}

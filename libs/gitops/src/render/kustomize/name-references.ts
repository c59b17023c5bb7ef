/**
 * After names change (prefix, suffix, content hash), references to the renamed objects follow:
 * ConfigMaps and Secrets in pod specs, ServiceAccounts, PVCs, Services, Roles in bindings and
 * HPA scale targets (kustomize's nameReference config, the commonly used part of it).
 */
import type { KubeObject } from '../../objects/kube-object.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';
import { selectReferral } from './referral.js';
import type { Resource } from './resource.js';

interface Ref {
  kind: string;
  get: () => unknown;
  set: (name: string, namespace?: string) => void;
  /** The namespace the reference names explicitly (binding subjects). */
  namespace?: string;
  /** Whether the reference carries the referral's namespace (binding subjects do). */
  withNamespace?: boolean;
}

const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

function dig(obj: unknown, path: readonly string[]): Record<string, unknown> | undefined {
  let node = obj;
  for (const key of path) node = isPlainObject(node) ? node[key] : undefined;
  return isPlainObject(node) ? node : undefined;
}

function items(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter(isPlainObject) : [];
}

function field(holder: Record<string, unknown> | undefined, key: string, kind: string, out: Ref[]): void {
  if (!holder || typeof holder[key] !== 'string') return;
  out.push({ kind, get: () => holder[key], set: (name) => (holder[key] = name) });
}

function podSpecRefs(spec: Record<string, unknown>, out: Ref[]): void {
  for (const v of items(spec['volumes'])) {
    field(dig(v, ['configMap']), 'name', 'ConfigMap', out);
    field(dig(v, ['secret']), 'secretName', 'Secret', out);
    field(dig(v, ['persistentVolumeClaim']), 'claimName', 'PersistentVolumeClaim', out);
    for (const s of items(dig(v, ['projected'])?.['sources'])) {
      field(dig(s, ['configMap']), 'name', 'ConfigMap', out);
      field(dig(s, ['secret']), 'name', 'Secret', out);
    }
  }
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const c of items(spec[list])) {
      for (const e of items(c['env'])) {
        field(dig(e, ['valueFrom', 'configMapKeyRef']), 'name', 'ConfigMap', out);
        field(dig(e, ['valueFrom', 'secretKeyRef']), 'name', 'Secret', out);
      }
      for (const e of items(c['envFrom'])) {
        field(dig(e, ['configMapRef']), 'name', 'ConfigMap', out);
        field(dig(e, ['secretRef']), 'name', 'Secret', out);
      }
    }
  }
  for (const s of items(spec['imagePullSecrets'])) field(s, 'name', 'Secret', out);
  field(spec, 'serviceAccountName', 'ServiceAccount', out);
  field(spec, 'serviceAccount', 'ServiceAccount', out);
}

/** Every name reference an object holds. */
export function referencesOf(obj: KubeObject): Ref[] {
  const out: Ref[] = [];
  const podPath = POD_SPEC_PATHS[obj.kind];
  const pod = podPath ? dig(obj, podPath) : undefined;
  if (pod) podSpecRefs(pod, out);
  const spec = dig(obj, ['spec']);
  if (obj.kind === 'StatefulSet') field(spec, 'serviceName', 'Service', out);
  if (obj.kind === 'HorizontalPodAutoscaler') {
    const target = dig(spec, ['scaleTargetRef']);
    if (target && typeof target['kind'] === 'string') field(target, 'name', target['kind'], out);
  }
  if (obj.kind === 'ServiceAccount')
    for (const s of [...items(obj['secrets']), ...items(obj['imagePullSecrets'])]) field(s, 'name', 'Secret', out);
  if (obj.kind === 'Ingress') {
    for (const t of items(spec?.['tls'])) field(t, 'secretName', 'Secret', out);
    field(dig(spec, ['defaultBackend', 'service']), 'name', 'Service', out);
    for (const r of items(spec?.['rules']))
      for (const p of items(dig(r, ['http'])?.['paths'])) field(dig(p, ['backend', 'service']), 'name', 'Service', out);
  }
  if (obj.kind === 'RoleBinding' || obj.kind === 'ClusterRoleBinding') {
    const roleRef = dig(obj, ['roleRef']);
    if (roleRef && typeof roleRef['kind'] === 'string') field(roleRef, 'name', roleRef['kind'], out);
    for (const s of items(obj['subjects'])) {
      if (s['kind'] !== 'ServiceAccount' || typeof s['name'] !== 'string') continue;
      const ns = typeof s['namespace'] === 'string' ? s['namespace'] : undefined;
      out.push({
        kind: 'ServiceAccount',
        namespace: ns,
        withNamespace: true,
        get: () => s['name'],
        set: (name, namespace) => {
          s['name'] = name;
          if (namespace) s['namespace'] = namespace;
        },
      });
    }
  }
  return out;
}

/**
 * Rewrites references to resources that transformers renamed or moved. A binding subject also takes
 * the referral's namespace (kustomize fills it in even when the name did not change).
 */
export function fixNameReferences(resources: readonly Resource[]): void {
  const pool = resources.filter((r) => r.history.length > 0);
  if (pool.length === 0) return;
  for (const referrer of resources) {
    for (const ref of referencesOf(referrer.obj)) {
      const name = ref.get();
      if (typeof name !== 'string') continue;
      const referral = selectReferral(
        referrer,
        { kind: ref.kind, name, namespace: ref.namespace, mapping: ref.withNamespace },
        pool.filter((r) => r !== referrer),
      );
      if (!referral) continue;
      const namespace = referral.obj.metadata.namespace ?? '';
      if (ref.withNamespace) {
        if (referral.obj.metadata.name !== name || namespace !== '') ref.set(referral.obj.metadata.name, namespace);
      } else if (referral.obj.metadata.name !== name) ref.set(referral.obj.metadata.name);
    }
  }
}

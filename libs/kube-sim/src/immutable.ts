// Immutable fields, rejected on update as a real API server's validation does (422 Invalid, the
// causes and message shapes of k8s.io/kubernetes pkg/apis/*/validation):
// - Deployment, ReplicaSet, DaemonSet and StatefulSet `spec.selector`; Job `spec.selector` and
//   `spec.template`;
// - StatefulSet spec fields other than replicas, ordinals, template, updateStrategy,
//   revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds;
// - a Service's `clusterIP` once set (unless it becomes ExternalName);
// - a PersistentVolumeClaim's spec except resources.requests and volumeAttributesClassName (and
//   the volumeName the binder sets on an unbound claim);
// - a Secret's `type`; ConfigMap/Secret `data`, `binaryData` and `immutable` once `immutable: true`.
import { errors, type StatusCause } from './errors.js';
import type { ResourceType } from './resources.js';

type Obj = Record<string, any>;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function goString(v: unknown): string {
  return JSON.stringify(v);
}

/** A label selector as Go's %#v prints it in the real message. */
function labelSelector(s: Obj | undefined): string {
  const labels = Object.entries(s?.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${goString(k)}:${goString(v)}`)
    .join(', ');
  const exprs = Array.isArray(s?.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${s.matchExpressions
        .map(
          (e: Obj) =>
            `v1.LabelSelectorRequirement{Key:${goString(e.key)}, Operator:${goString(e.operator)}, Values:[]string{${(e.values ?? []).map(goString).join(', ')}}}`,
        )
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:map[string]string{${labels}}, MatchExpressions:${exprs}}`;
}

const immutable = (field: string, value: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  message: `Invalid value: ${value}: field is immutable`,
  field,
});

const forbidden = (field: string, why: string): StatusCause => ({
  reason: 'FieldValueForbidden',
  message: `Forbidden: ${why}`,
  field,
});

const STATEFULSET_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

function without(o: Obj | undefined, keys: readonly string[]): Obj {
  const out: Obj = { ...(o ?? {}) };
  for (const k of keys) delete out[k];
  return out;
}

function workload(kind: string, prev: Obj, next: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  const p = prev.spec ?? {};
  const n = next.spec ?? {};
  if (!same(p.selector, n.selector)) causes.push(immutable('spec.selector', labelSelector(n.selector)));
  if (kind === 'Job' && !same(p.template, n.template))
    causes.push(immutable('spec.template', 'core.PodTemplateSpec{…}'));
  if (kind === 'StatefulSet' && !same(without(p, STATEFULSET_MUTABLE), without(n, STATEFULSET_MUTABLE)))
    causes.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  return causes;
}

function service(prev: Obj, next: Obj): StatusCause[] {
  const was = prev.spec?.clusterIP;
  const now = next.spec?.clusterIP;
  if (next.spec?.type === 'ExternalName' || !was || was === 'None' || now === was) return [];
  return [
    {
      reason: 'FieldValueInvalid',
      message: `Invalid value: []string{${(next.spec?.clusterIPs ?? [now ?? '']).map(goString).join(', ')}}: may not change once set`,
      field: 'spec.clusterIPs[0]',
    },
  ];
}

function claim(prev: Obj, next: Obj): StatusCause[] {
  const mutable = ['resources', 'volumeAttributesClassName', ...(prev.spec?.volumeName ? [] : ['volumeName'])];
  const requestsOnly = (s: Obj | undefined) => without(s?.resources, ['requests']);
  if (
    same(without(prev.spec, mutable), without(next.spec, mutable)) &&
    same(requestsOnly(prev.spec), requestsOnly(next.spec))
  )
    return [];
  return [
    forbidden(
      'spec',
      'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ),
  ];
}

function configData(kind: string, prev: Obj, next: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  if (kind === 'Secret' && (prev.type ?? 'Opaque') !== (next.type ?? 'Opaque'))
    causes.push(immutable('type', goString(next.type ?? '')));
  if (prev.immutable !== true) return causes;
  const why = 'field is immutable when `immutable` is set';
  if (!same(prev.data, next.data)) causes.push(forbidden('data', why));
  if (!same(prev.binaryData, next.binaryData)) causes.push(forbidden('binaryData', why));
  if (next.immutable !== true) causes.push(forbidden('immutable', why));
  return causes;
}

function causesOf(kind: string, prev: Obj, next: Obj): StatusCause[] {
  switch (kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'DaemonSet':
    case 'StatefulSet':
    case 'Job':
      return workload(kind, prev, next);
    case 'Service':
      return service(prev, next);
    case 'PersistentVolumeClaim':
      return claim(prev, next);
    case 'ConfigMap':
    case 'Secret':
      return configData(kind, prev, next);
  }
  return [];
}

/** Throws 422 Invalid when an update of a built-in object changes a field its kind keeps fixed. */
export function checkImmutable(t: ResourceType, prev: Obj, next: Obj): void {
  if (!t.builtin) return;
  const causes = causesOf(t.kind, prev, next);
  if (causes.length) throw errors.invalid(t.kind, next.metadata?.name ?? '', causes, t.group);
}

/** kustomize field specs: where a transformer writes (`spec/template/metadata/labels`, `[]` walks lists). */
import type { KubeObject } from '../../objects/kube-object.js';
import { parseApiVersion } from '../../objects/kube-object.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';

export interface FieldSpec {
  path: string;
  create?: boolean;
  group?: string;
  version?: string;
  kind?: string;
}

export function fieldSpecMatches(obj: KubeObject, fs: FieldSpec): boolean {
  const { group, version } = parseApiVersion(obj.apiVersion);
  return (
    (fs.kind === undefined || fs.kind === obj.kind) &&
    (fs.group === undefined || fs.group === group) &&
    (fs.version === undefined || fs.version === version)
  );
}

/** Calls `visit` with each mapping found at the spec's path, creating missing maps when `create`. */
export function visitFieldSpec(obj: KubeObject, fs: FieldSpec, visit: (map: Record<string, unknown>) => void): void {
  if (!fieldSpecMatches(obj, fs)) return;
  walk(
    obj,
    fs.path.split('/').filter((s) => s !== ''),
    fs.create === true,
    visit,
  );
}

function walk(
  node: Record<string, unknown>,
  segments: string[],
  create: boolean,
  visit: (map: Record<string, unknown>) => void,
): void {
  const [head, ...rest] = segments;
  if (head === undefined) return visit(node);
  const isList = head.endsWith('[]');
  const key = isList ? head.slice(0, -2) : head;
  let child = node[key];
  if (isList) {
    if (!Array.isArray(child)) return;
    for (const item of child) if (isPlainObject(item)) walk(item, rest, create, visit);
    return;
  }
  if (child === undefined || child === null) {
    if (!create) return;
    child = {};
    node[key] = child;
  }
  if (isPlainObject(child)) walk(child, rest, create, visit);
}

const META_LABELS: FieldSpec = { path: 'metadata/labels', create: true };
const META_ANNOTATIONS: FieldSpec = { path: 'metadata/annotations', create: true };

/** Where `labels:` with includeTemplates writes, besides metadata/labels. */
export const TEMPLATE_LABEL_SPECS: readonly FieldSpec[] = [
  { path: 'spec/template/metadata/labels', create: true, version: 'v1', kind: 'ReplicationController' },
  { path: 'spec/template/metadata/labels', create: true, kind: 'Deployment' },
  { path: 'spec/template/metadata/labels', create: true, kind: 'ReplicaSet' },
  { path: 'spec/template/metadata/labels', create: true, kind: 'DaemonSet' },
  { path: 'spec/template/metadata/labels', create: true, group: 'apps', kind: 'StatefulSet' },
  { path: 'spec/volumeClaimTemplates[]/metadata/labels', create: true, group: 'apps', kind: 'StatefulSet' },
  { path: 'spec/template/metadata/labels', create: true, group: 'batch', kind: 'Job' },
  { path: 'spec/jobTemplate/metadata/labels', create: true, group: 'batch', kind: 'CronJob' },
  { path: 'spec/jobTemplate/spec/template/metadata/labels', create: true, group: 'batch', kind: 'CronJob' },
];

const AFFINITY = 'spec/template/spec/affinity';
const SELECTOR_LABEL_SPECS: readonly FieldSpec[] = [
  { path: 'spec/selector', create: true, version: 'v1', kind: 'Service' },
  { path: 'spec/selector', create: true, version: 'v1', kind: 'ReplicationController' },
  { path: 'spec/selector/matchLabels', create: true, kind: 'Deployment' },
  ...['podAffinity', 'podAntiAffinity'].flatMap((a) => [
    {
      path: `${AFFINITY}/${a}/preferredDuringSchedulingIgnoredDuringExecution[]/podAffinityTerm/labelSelector/matchLabels`,
      create: false,
      group: 'apps',
      kind: 'Deployment',
    },
    {
      path: `${AFFINITY}/${a}/requiredDuringSchedulingIgnoredDuringExecution[]/labelSelector/matchLabels`,
      create: false,
      group: 'apps',
      kind: 'Deployment',
    },
  ]),
  { path: 'spec/selector/matchLabels', create: true, kind: 'ReplicaSet' },
  { path: 'spec/selector/matchLabels', create: true, kind: 'DaemonSet' },
  { path: 'spec/selector/matchLabels', create: true, group: 'apps', kind: 'StatefulSet' },
  { path: 'spec/selector/matchLabels', create: false, group: 'batch', kind: 'Job' },
  { path: 'spec/jobTemplate/spec/selector/matchLabels', create: false, group: 'batch', kind: 'CronJob' },
  { path: 'spec/selector/matchLabels', create: false, group: 'policy', kind: 'PodDisruptionBudget' },
  { path: 'spec/podSelector/matchLabels', create: false, group: 'networking.k8s.io', kind: 'NetworkPolicy' },
  {
    path: 'spec/ingress[]/from[]/podSelector/matchLabels',
    create: false,
    group: 'networking.k8s.io',
    kind: 'NetworkPolicy',
  },
  {
    path: 'spec/egress[]/to[]/podSelector/matchLabels',
    create: false,
    group: 'networking.k8s.io',
    kind: 'NetworkPolicy',
  },
];

/** commonLabels (and labels with includeSelectors): metadata, selectors and templates. */
export const COMMON_LABEL_SPECS: readonly FieldSpec[] = [META_LABELS, ...SELECTOR_LABEL_SPECS, ...TEMPLATE_LABEL_SPECS];
export const METADATA_LABEL_SPECS: readonly FieldSpec[] = [META_LABELS];
export const TEMPLATES_AND_METADATA_LABEL_SPECS: readonly FieldSpec[] = [META_LABELS, ...TEMPLATE_LABEL_SPECS];

/** commonAnnotations: metadata and pod templates. */
export const COMMON_ANNOTATION_SPECS: readonly FieldSpec[] = [
  META_ANNOTATIONS,
  { path: 'spec/template/metadata/annotations', create: true, version: 'v1', kind: 'ReplicationController' },
  { path: 'spec/template/metadata/annotations', create: true, kind: 'Deployment' },
  { path: 'spec/template/metadata/annotations', create: true, kind: 'ReplicaSet' },
  { path: 'spec/template/metadata/annotations', create: true, kind: 'DaemonSet' },
  { path: 'spec/template/metadata/annotations', create: true, kind: 'StatefulSet' },
  { path: 'spec/template/metadata/annotations', create: true, group: 'batch', kind: 'Job' },
  { path: 'spec/jobTemplate/metadata/annotations', create: true, group: 'batch', kind: 'CronJob' },
  { path: 'spec/jobTemplate/spec/template/metadata/annotations', create: true, group: 'batch', kind: 'CronJob' },
];

/** Writes `pairs` into every map the specs select. */
export function setPairs(obj: KubeObject, specs: readonly FieldSpec[], pairs: Record<string, string>): void {
  for (const fs of specs) {
    visitFieldSpec(obj, fs, (map) => {
      for (const [k, v] of Object.entries(pairs)) map[k] = v;
    });
  }
}

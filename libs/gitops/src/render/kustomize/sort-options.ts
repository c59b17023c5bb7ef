/**
 * The order `kubectl kustomize` prints objects in: the top kustomization's `sortOptions` — `fifo`
 * (accumulation order) or `legacy` (kind priority lists, then group/version/kind, then namespace and
 * name), legacy with kustomize's default lists when `sortOptions` is absent (kustomize's
 * SortOrderTransformer). Flotilla applies in its own apply order; this order is reported beside it.
 */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import type { KubeObject } from '../../objects/kube-object.js';
import { parseApiVersion } from '../../objects/kube-object.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';
import { checkKeys } from './kustomization.js';

const DEFAULT_FIRST = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
const DEFAULT_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

export interface SortOrder {
  order: 'fifo' | 'legacy';
  first: readonly string[];
  last: readonly string[];
}

function kinds(file: string, field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `"${field}" must be a list of kinds`);
  return value as string[];
}

export function parseSortOptions(file: string, raw: unknown): SortOrder {
  if (raw === undefined || raw === null) return { order: 'legacy', first: DEFAULT_FIRST, last: DEFAULT_LAST };
  if (!isPlainObject(raw))
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, '"sortOptions" must be a mapping');
  checkKeys(file, 'sortOptions', raw, ['order', 'legacySortOptions']);
  const order = raw['order'];
  if (order !== 'fifo' && order !== 'legacy')
    throw new RenderError(
      RenderErrorCode.InvalidKustomization,
      file,
      "the field 'sortOptions.order' must be one of [fifo, legacy]",
    );
  const legacy = raw['legacySortOptions'];
  if (legacy === undefined || legacy === null)
    return { order, first: order === 'legacy' ? DEFAULT_FIRST : [], last: order === 'legacy' ? DEFAULT_LAST : [] };
  if (order === 'fifo')
    throw new RenderError(
      RenderErrorCode.InvalidKustomization,
      file,
      "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'",
    );
  if (!isPlainObject(legacy))
    throw new RenderError(
      RenderErrorCode.InvalidKustomization,
      file,
      '"sortOptions.legacySortOptions" must be a mapping',
    );
  checkKeys(file, 'sortOptions.legacySortOptions', legacy, ['orderFirst', 'orderLast']);
  return {
    order,
    first: kinds(file, 'sortOptions.legacySortOptions.orderFirst', legacy['orderFirst']),
    last: kinds(file, 'sortOptions.legacySortOptions.orderLast', legacy['orderLast']),
  };
}

function gvkString(group: string, version: string, kind: string): string {
  return `${group || '~G'}_${version || '~V'}_${kind || '~K'}`;
}

/** kustomize's Gvk.String(): `Kind.version.group` with `[noVer]`/`[noGrp]`. */
function idGvk(group: string, version: string, kind: string): string {
  return `${kind}.${version || '[noVer]'}.${group || '[noGrp]'}`;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A stable sort (Go's sort.Sort is not stable, but legacy keys are unique for unique ids). */
export function kustomizeOrder<T extends { obj: KubeObject }>(items: readonly T[], sort: SortOrder): T[] {
  if (sort.order === 'fifo') return [...items];
  const rank = new Map<string, number>();
  sort.first.forEach((k, i) => rank.set(k, -sort.first.length + i));
  sort.last.forEach((k, i) => rank.set(k, 1 + i));
  const keyed = items.map((item) => {
    const { group, version } = parseApiVersion(item.obj.apiVersion);
    const kind = item.obj.kind;
    return {
      item,
      kind,
      group,
      rank: rank.get(kind) ?? 0,
      gvk: gvkString(group, version, kind),
      id: `${idGvk(group, version, kind)}|${item.obj.metadata.namespace || '~X'}|${item.obj.metadata.name || '~N'}`,
    };
  });
  keyed.sort((a, b) => {
    if (a.gvk !== b.gvk) {
      if (a.rank !== b.rank) return a.rank - b.rank;
      if (a.kind === 'Namespace' && b.kind === 'Namespace' && (a.group === '' || b.group === ''))
        return compare(b.gvk, a.gvk);
      return compare(a.gvk, b.gvk);
    }
    return compare(a.id, b.id);
  });
  return keyed.map((k) => k.item);
}

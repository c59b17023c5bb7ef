/**
 * Which resource a name reference points at, chosen as kustomize's nameReference filter chooses
 * (api/filters/nameref, resmap SubsetThatCouldBeReferencedByResource): only resources that were
 * renamed or moved are candidates; a reference matches one of their earlier names.
 */
import { isBuiltinClusterScoped } from '../../objects/scope.js';
import type { Resource } from './resource.js';

/** The namespace kustomize compares: "default" for none, one marker for cluster-scoped objects. */
function effective(res: Resource, namespace: string): string {
  if (isBuiltinClusterScoped(res.obj)) return '~cluster';
  return namespace === '' ? 'default' : namespace;
}

function currentNs(res: Resource): string {
  return effective(res, res.obj.metadata.namespace ?? '');
}

function originalNs(res: Resource): string {
  return effective(res, res.history[0]?.namespace ?? res.obj.metadata.namespace ?? '');
}

/** Namespaces a RoleBinding's ServiceAccount subjects name: objects there may be referenced across namespaces. */
function subjectNamespaces(referrer: Resource): Set<string> {
  const out = new Set<string>();
  if (referrer.obj.kind !== 'RoleBinding' || !Array.isArray(referrer.obj['subjects'])) return out;
  for (const s of referrer.obj['subjects'] as unknown[]) {
    const subject = s as Record<string, unknown> | null;
    if (subject?.['kind'] === 'ServiceAccount' && typeof subject['namespace'] === 'string')
      out.add(subject['namespace']);
  }
  return out;
}

/** Resources the referrer could refer to at all (same namespace, cluster-scoped, or a binding's subject namespace). */
function reachable(referrer: Resource, resources: readonly Resource[]): Resource[] {
  if (isBuiltinClusterScoped(referrer.obj)) return [...resources];
  const here = currentNs(referrer);
  const subjectNs = subjectNamespaces(referrer);
  return resources.filter(
    (r) => isBuiltinClusterScoped(r.obj) || currentNs(r) === here || subjectNs.has(r.obj.metadata.namespace ?? ''),
  );
}

export interface ReferenceQuery {
  kind: string;
  name: string;
  /** The namespace a mapping reference (binding subject) names, if it names one. */
  namespace?: string;
  /** A mapping reference (binding subject) takes name and namespace, so both must agree among candidates. */
  mapping?: boolean;
}

/**
 * The one resource `query` refers to, or undefined when none (or several different ones) match.
 * `pool` is every resource of the build.
 */
export function selectReferral(
  referrer: Resource,
  query: ReferenceQuery,
  pool: readonly Resource[],
): Resource | undefined {
  let candidates = reachable(referrer, pool);
  if (query.namespace !== undefined) {
    const ns = query.namespace;
    const byOriginal = candidates.filter((r) => originalNs(r) === ns);
    candidates = candidates.some((r) => originalNs(r) === ns)
      ? byOriginal
      : candidates.filter((r) => currentNs(r) === ns);
  }
  candidates = candidates.filter((r) => r.obj.kind === query.kind && r.history.some((h) => h.name === query.name));
  if (!isBuiltinClusterScoped(referrer.obj)) {
    const here = currentNs(referrer);
    candidates = candidates.filter(
      (r) => isBuiltinClusterScoped(r.obj) || r.obj.kind === 'ServiceAccount' || currentNs(r) === here,
    );
  }
  const [first] = candidates;
  if (!first) return undefined;
  const same = candidates.every(
    (c) =>
      c.obj.metadata.name === first.obj.metadata.name &&
      (!query.mapping || (c.obj.metadata.namespace ?? '') === (first.obj.metadata.namespace ?? '')),
  );
  return same ? first : undefined;
}

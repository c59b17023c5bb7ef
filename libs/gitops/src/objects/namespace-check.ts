/**
 * Finds rendered objects the cluster could not accept: namespaced objects whose namespace is
 * neither rendered nor present in the cluster, and kinds whose scope nobody knows (not built in,
 * not defined by a CRD in the render or in the cluster).
 */
import type { KubeObject } from './kube-object.js';
import { describeObject, objectId, parseApiVersion } from './kube-object.js';
import type { Scope } from './scope.js';
import { ScopeTable } from './scope.js';

export interface NamespaceProblem {
  id: string;
  object: string;
  namespace: string;
}

export interface NamespaceCheckResult {
  missingNamespace: NamespaceProblem[];
  unknownKind: Array<{ id: string; object: string; apiVersion: string; kind: string }>;
}

export interface NamespaceCheckOptions {
  /** Namespaces that exist in the cluster. */
  clusterNamespaces: Iterable<string>;
  /** Scopes the cluster reported by discovery, keyed `<group>/<kind>` (e.g. CRDs already installed). */
  clusterScopes?: ReadonlyMap<string, Scope>;
  /** Namespace an object without metadata.namespace lands in. */
  defaultNamespace?: string;
}

export function checkNamespaces(objects: readonly KubeObject[], options: NamespaceCheckOptions): NamespaceCheckResult {
  const scopes = new ScopeTable(objects);
  const rendered = new Set(
    objects
      .filter((o) => o.kind === 'Namespace' && parseApiVersion(o.apiVersion).group === '')
      .map((o) => o.metadata.name),
  );
  const existing = new Set(options.clusterNamespaces);
  const result: NamespaceCheckResult = { missingNamespace: [], unknownKind: [] };
  for (const obj of objects) {
    const { group } = parseApiVersion(obj.apiVersion);
    const scope = scopes.scopeOf(group, obj.kind) ?? options.clusterScopes?.get(`${group}/${obj.kind}`);
    if (scope === undefined) {
      result.unknownKind.push({
        id: objectId(obj),
        object: describeObject(obj),
        apiVersion: obj.apiVersion,
        kind: obj.kind,
      });
      continue;
    }
    if (scope === 'Cluster') continue;
    const namespace = obj.metadata.namespace || options.defaultNamespace || 'default';
    if (!rendered.has(namespace) && !existing.has(namespace)) {
      result.missingNamespace.push({ id: objectId(obj), object: describeObject(obj), namespace });
    }
  }
  return result;
}

/** Kubernetes object identity: group/version/kind parsing and flux-style inventory ids. */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** 'apps/v1' → { group: 'apps', version: 'v1' }; 'v1' → { group: '', version: 'v1' }. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function gvkOf(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): GroupVersionKind {
  return { ...parseApiVersion(obj.apiVersion), kind: obj.kind };
}

export interface ObjectRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export function refOf(obj: KubeObject): ObjectRef {
  return {
    group: parseApiVersion(obj.apiVersion).group,
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
  };
}

/** Inventory id in flux's format: `<namespace>_<name>_<group>_<kind>` (empty namespace/group stay empty). */
export function objectId(obj: KubeObject): string {
  return formatObjectId(refOf(obj));
}

export function formatObjectId(ref: ObjectRef): string {
  return `${ref.namespace}_${ref.name}_${ref.group}_${ref.kind}`;
}

/** Parses an inventory id. Names and namespaces cannot hold '_', kinds cannot either; groups can't. */
export function parseObjectId(id: string): ObjectRef {
  const parts = id.split('_');
  if (parts.length !== 4) throw new Error(`invalid object id "${id}": expected <namespace>_<name>_<group>_<kind>`);
  const [namespace, name, group, kind] = parts as [string, string, string, string];
  if (!name || !kind) throw new Error(`invalid object id "${id}": name and kind are required`);
  return { namespace, name, group, kind };
}

/** A short human form for messages: 'Deployment/prod/web' or 'Namespace/prod'. */
export function describeObject(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${obj.kind}/${ns}/${obj.metadata.name}` : `${obj.kind}/${obj.metadata.name}`;
}

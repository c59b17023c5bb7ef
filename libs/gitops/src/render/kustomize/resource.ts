/** A resource inside a kustomize build: the object, where it came from, and its earlier names. */
import type { KubeObject } from '../../objects/kube-object.js';
import { objectId } from '../../objects/kube-object.js';

export interface PastId {
  name: string;
  namespace: string;
}

export interface Resource {
  obj: KubeObject;
  /** The file the object came from (or the kustomization that generated it). */
  file: string;
  /** Every earlier (name, namespace) of the object, oldest first, for name-reference fixing. */
  history: PastId[];
  /** Generated ConfigMap/Secret that gets a content hash suffix at the end of the build. */
  hashSuffix?: boolean;
  /** Generator behavior for a later merge/replace. */
  generated?: boolean;
}

export function newResource(obj: KubeObject, file: string): Resource {
  return { obj, file, history: [] };
}

/** Records the current id before a transformer renames or moves the object. */
export function rememberId(res: Resource): void {
  const current = { name: res.obj.metadata.name, namespace: res.obj.metadata.namespace ?? '' };
  const last = res.history[res.history.length - 1];
  if (!last || last.name !== current.name || last.namespace !== current.namespace) res.history.push(current);
}

export function resourceId(res: Resource): string {
  return objectId(res.obj);
}

/** True when `name` is the object's current or any earlier name. */
export function hadName(res: Resource, name: string): boolean {
  return res.obj.metadata.name === name || res.history.some((h) => h.name === name);
}

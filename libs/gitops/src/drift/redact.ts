/** Secrets never leave the agent with their values: key names only. */
import type { KubeObject } from '../objects/kube-object.js';

export const REDACTED = '<redacted>';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function isSecret(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return obj.kind === 'Secret' && obj.apiVersion === 'v1';
}

/** The sorted key names of a Secret's data and stringData. */
export function secretKeys(obj: KubeObject): string[] {
  const keys = new Set<string>();
  for (const field of ['data', 'stringData']) {
    const map = obj[field];
    if (map && typeof map === 'object') for (const key of Object.keys(map)) keys.add(key);
  }
  return [...keys].sort();
}

/**
 * A copy safe to log or send: a Secret's data/stringData values become "<redacted>" (keys kept)
 * and kubectl's last-applied annotation (which holds the values too) is masked. Other objects are returned as-is.
 */
export function redactObject<T extends KubeObject>(obj: T): T {
  if (!isSecret(obj)) return obj;
  const copy = structuredClone(obj);
  for (const field of ['data', 'stringData']) {
    const map = copy[field];
    if (map && typeof map === 'object')
      (copy as Record<string, unknown>)[field] = Object.fromEntries(Object.keys(map).map((k) => [k, REDACTED]));
  }
  const annotations = copy.metadata.annotations;
  if (annotations && LAST_APPLIED in annotations) annotations[LAST_APPLIED] = REDACTED;
  return copy;
}

/**
 * Keys that change what a JavaScript object is rather than what it holds. A manifest with
 * `metadata.__proto__: {namespace: kube-system}` parsed into a plain object and copied key by key
 * gets kube-system as an inherited namespace: the hub (which stores JSON) and the agent then see
 * different objects. No Kubernetes field has these names, so manifests, patches and JSON pointers
 * carrying them are refused.
 */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The dotted path of the first unsafe key in `value` (own keys, depth first), or undefined. */
export function findUnsafeKey(value: unknown, path = ''): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnsafeKey(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Date)
    return undefined;
  for (const key of Object.keys(value)) {
    const here = path ? `${path}.${key}` : key;
    if (UNSAFE_KEYS.has(key)) return here;
    const found = findUnsafeKey((value as Record<string, unknown>)[key], here);
    if (found !== undefined) return found;
  }
  return undefined;
}

export const unsafeKeyMessage = (path: string): string =>
  `key "${path}" is not allowed: __proto__, constructor and prototype would change the object itself, not a field of it`;

// Bodies naming __proto__, constructor or prototype would change a stored object's JavaScript
// prototype when copied key by key (an inherited namespace, say). No Kubernetes field has these
// names; kube-sim refuses them with 400 rather than store an object that is not what it says.
import { errors } from '../errors.js';

const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

function firstUnsafe(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstUnsafe(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    const here = path ? `${path}.${key}` : key;
    if (UNSAFE.has(key)) return here;
    const found = firstUnsafe((value as Record<string, unknown>)[key], here);
    if (found) return found;
  }
  return undefined;
}

export function isUnsafeKey(key: string): boolean {
  return UNSAFE.has(key);
}

/** Throws 400 when a decoded body holds an unsafe key anywhere. */
export function refuseUnsafeKeys(body: unknown): unknown {
  const found = firstUnsafe(body, '');
  if (found)
    throw errors.badRequest(`field "${found}" is not allowed: __proto__, constructor and prototype are refused`);
  return body;
}

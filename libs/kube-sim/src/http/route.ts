// URL → what is asked for: a discovery document or a resource request
// (group, version, namespace, resource, name, subresource).
import type { Registry } from '../registry.js';
import type { ResourceType } from '../resources.js';

export interface ResourceRoute {
  t: ResourceType;
  ns: string;
  /** The request named a namespace (namespaced list/watch in one namespace). */
  inNamespace: boolean;
  name?: string;
  sub?: string;
}

export type Route =
  | { kind: 'version' | 'api' | 'apis' | 'openapi-root' | 'healthz' }
  | { kind: 'group'; group: string }
  | { kind: 'resources'; group: string; version: string }
  | { kind: 'openapi'; group: string; version: string }
  | { kind: 'resource'; r: ResourceRoute }
  | { kind: 'none' };

const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);

export function route(path: string, registry: Registry): Route {
  const parts = path.split('/').filter(Boolean);
  const segs = path.includes('%') ? parts.map(safeDecode) : parts;
  if (path === '/version' || path === '/version/') return { kind: 'version' };
  if (HEALTH_PATHS.has(path)) return { kind: 'healthz' };
  if (segs[0] === 'openapi' && segs[1] === 'v3') {
    if (segs.length === 2) return { kind: 'openapi-root' };
    if (segs[2] === 'api' && segs[3]) return { kind: 'openapi', group: '', version: segs[3] };
    if (segs[2] === 'apis' && segs[3] && segs[4]) return { kind: 'openapi', group: segs[3], version: segs[4] };
    return { kind: 'none' };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    if (segs.length === 1) return { kind: 'api' };
    group = '';
    version = segs[1];
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    if (segs.length === 1) return { kind: 'apis' };
    if (segs.length === 2) return { kind: 'group', group: segs[1] };
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  } else return { kind: 'none' };
  if (!rest.length)
    return registry.inGroupVersion(group, version).length ? { kind: 'resources', group, version } : { kind: 'none' };
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const t = registry.lookup(group, version, rest[2]);
    if (t?.namespaced)
      return { kind: 'resource', r: { t, ns: rest[1], inNamespace: true, name: rest[3], sub: rest[4] } };
    if (rest.length > 4 || t) return { kind: 'none' };
  }
  const t = registry.lookup(group, version, rest[0]);
  if (!t || rest.length > 3) return { kind: 'none' };
  return { kind: 'resource', r: { t, ns: '', inNamespace: false, name: rest[1], sub: rest[2] } };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

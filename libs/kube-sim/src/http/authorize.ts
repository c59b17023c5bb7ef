// The RBAC step of a request (rbac.ts): the request's attributes from its route, method and
// query, checked before it is handled; for writes of RBAC objects, a handler context whose
// admitWrite runs the escalation and bind checks on the object the write would store.
import type { IncomingMessage } from 'node:http';
import type { Identity, Rbac } from '../rbac.js';
import type { Route } from './route.js';
import type { HandlerContext } from './resource-handler.js';
import type { Query } from './query.js';

const RBAC_WRITES = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);

function verbOf(method: string, named: boolean, q: Query): string {
  if (method === 'GET') return named ? 'get' : q.watch ? 'watch' : 'list';
  if (method === 'POST') return 'create';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'patch';
  if (method === 'DELETE') return named ? 'delete' : 'deletecollection';
  return method.toLowerCase();
}

/** Authorizes the request for `id`; returns the handler context to use (with the write checks). */
export function authorizeRequest(
  rbac: Rbac,
  id: Identity,
  req: IncomingMessage,
  r: Route,
  path: string,
  q: Query,
  ctx: HandlerContext,
): HandlerContext {
  const method = req.method ?? 'GET';
  if (r.kind !== 'resource') {
    rbac.authorize(id, { verb: method.toLowerCase(), path });
    return ctx;
  }
  const { t, ns, name, sub } = r.r;
  rbac.authorize(id, {
    verb: verbOf(method, !!name, q),
    group: t.group,
    resource: t.plural,
    subresource: sub,
    namespace: t.namespaced && r.r.inNamespace ? ns : '',
    name,
  });
  if (!t.builtin || t.group !== 'rbac.authorization.k8s.io' || !RBAC_WRITES.has(t.plural)) return ctx;
  return { ...ctx, admitWrite: (obj) => rbac.checkWrite(id, t.plural, t.namespaced ? ns : '', obj) };
}

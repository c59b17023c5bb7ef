// Serves requests on a resource: get, list (selectors, limit/continue), watch, create,
// update, patch (merge, JSON, strategic, apply), delete, deletecollection, and the status
// and scale subresources.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Api, WriteOpts } from '../api.js';
import { deleteObject, type DeleteOpts } from '../deletes.js';
import { errors } from '../errors.js';
import { page, type PagingRules } from '../paging.js';
import { storeKey } from '../registry.js';
import { apiVersionOf } from '../resources.js';
import { both, parseFieldSelector, parseLabelSelector } from '../selectors.js';
import { toTable, wantsTable } from '../table.js';
import type { Watches } from '../watch.js';
import { decodePatch, decodeWrite, readBody } from './body.js';
import type { Query } from './query.js';
import type { ResourceRoute } from './route.js';
import { toScale, writeScale } from './scale.js';

export interface HandlerContext {
  api: Api;
  watches: Watches;
  count(verb: string): void;
  send(res: ServerResponse, code: number, body: unknown): void;
  /** RBAC (authorize.ts): checks the object a write would store, before it is stored. */
  admitWrite?(obj: unknown): void;
  /** When continue tokens expire (paging.ts); without it only malformed tokens are refused. */
  paging?: PagingRules;
}

function managerOf(req: IncomingMessage, q: Query): string {
  if (q.fieldManager) return q.fieldManager;
  const ua = String(req.headers['user-agent'] ?? '');
  return ua.split('/')[0] || 'unknown';
}

function list(ctx: HandlerContext, r: ResourceRoute, q: Query): unknown {
  const key = storeKey(r.t);
  const match = both(parseLabelSelector(q.labelSelector), parseFieldSelector(q.fieldSelector));
  let items = ctx.api.store.list(key, r.inNamespace ? r.ns : undefined);
  if (match) items = items.filter(match);
  const metadata: Record<string, unknown> = {};
  items = page(items, q, ctx.api.store.rv, metadata, ctx.paging);
  return { kind: `${r.t.kind}List`, apiVersion: apiVersionOf(r.t), metadata, items };
}

function deleteOptions(body: unknown, q: Query): DeleteOpts {
  const b: any = body && typeof body === 'object' ? body : {};
  const policy = b.propagationPolicy ?? q.propagationPolicy;
  if (policy !== undefined && !['Foreground', 'Background', 'Orphan'].includes(policy))
    throw errors.badRequest(
      `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  const dry = Array.isArray(b.dryRun) ? b.dryRun.includes('All') : q.dryRun;
  return { propagationPolicy: policy, dryRun: dry, preconditions: b.preconditions };
}

function statusOk(r: ResourceRoute, obj: any): unknown {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata.name, group: r.t.group, kind: r.t.plural, uid: obj.metadata.uid },
  };
}

/**
 * A custom resource stored through one served version, read through another: the "None"
 * conversion a CRD without a webhook gets, which only rewrites apiVersion.
 */
function asVersion(r: ResourceRoute): (o: any) => any {
  const want = apiVersionOf(r.t);
  if (r.t.builtin) return (o) => o;
  return (o) => (o.apiVersion === want ? o : { ...o, apiVersion: want });
}

export async function handleResource(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  r: ResourceRoute,
  q: Query,
): Promise<void> {
  const { api } = ctx;
  const { t, ns, name, sub } = r;
  if (t.namespaced && !r.inNamespace && name) throw errors.noRoute();
  if (sub && sub !== 'status' && !(sub === 'scale' && t.scale)) throw errors.noRoute();
  const method = req.method ?? 'GET';
  const warnings: string[] = [];
  const opts: WriteOpts & { force: boolean } = {
    manager: managerOf(req, q),
    dryRun: q.dryRun,
    force: q.force,
    subresource: sub as WriteOpts['subresource'],
    fieldValidation: q.fieldValidation,
    warnings,
  };
  const send = (code: number, body: unknown) => {
    if (warnings.length)
      res.setHeader(
        'Warning',
        warnings.map((w) => `299 - ${JSON.stringify(w)}`),
      );
    ctx.send(res, code, body);
  };
  if (method === 'GET') {
    const table = wantsTable(req.headers.accept);
    const conv = asVersion(r);
    if (!name) {
      if (q.watch) {
        ctx.count('watch');
        const transform = table
          ? (o: any) => toTable(t, [conv(o)], {}, q.includeObject === 'Object')
          : t.builtin
            ? undefined
            : conv;
        ctx.watches.serve({ t, ns: r.inNamespace ? ns : undefined }, q, res, transform);
        return;
      }
      ctx.count('list');
      const l = list(ctx, r, q) as { metadata: Record<string, unknown>; items: any[] };
      if (!t.builtin) l.items = l.items.map(conv);
      return ctx.send(res, 200, table ? toTable(t, l.items, l.metadata, q.includeObject === 'Object') : l);
    }
    ctx.count('get');
    const obj = conv(api.get(t, ns, name));
    if (sub === 'scale') return ctx.send(res, 200, toScale(t, obj));
    return ctx.send(
      res,
      200,
      table && !sub
        ? toTable(t, [obj], { resourceVersion: obj.metadata.resourceVersion }, q.includeObject === 'Object')
        : obj,
    );
  }
  const raw = await readBody(req);
  // With RBAC checks, a write runs first as a dry run and its result is checked.
  const write = <T>(fn: (o: typeof opts) => T): T => {
    if (ctx.admitWrite) ctx.admitWrite(fn({ ...opts, dryRun: true, warnings: [] }));
    return fn(opts);
  };
  if (method === 'POST') {
    if (name) throw errors.methodNotAllowed('POST', `${t.plural}/${name}`);
    ctx.count('create');
    const body = decodeWrite(req, raw);
    return send(
      201,
      write((o) => api.create(t, ns, body, o)),
    );
  }
  if (method === 'PUT' && name) {
    ctx.count('update');
    const body = decodeWrite(req, raw);
    if (sub === 'scale') return send(200, writeScale(api, t, ns, name, { body }, opts));
    return send(
      200,
      write((o) => api.update(t, ns, name, body, o)),
    );
  }
  if (method === 'PATCH' && name) {
    const p = decodePatch(req, raw, t.builtin);
    ctx.count(p.type === 'apply' ? 'apply' : 'patch');
    if (opts.force && p.type !== 'apply')
      throw errors.invalid(
        'PatchOptions',
        '',
        [
          {
            reason: 'FieldValueForbidden',
            field: 'force',
            message: 'Forbidden: may not be specified for non-apply patch',
          },
        ],
        'meta.k8s.io',
      );
    if (sub === 'scale') return send(200, writeScale(api, t, ns, name, { patch: p }, opts));
    if (p.type === 'apply') {
      if (!q.fieldManager)
        throw errors.invalid(
          'PatchOptions',
          '',
          [
            {
              reason: 'FieldValueRequired',
              field: 'fieldManager',
              message: 'Required value: is required for apply patch',
            },
          ],
          'meta.k8s.io',
        );
      const existed = !!api.store.get(storeKey(t), t.namespaced ? ns : '', name);
      return send(
        existed ? 200 : 201,
        write((o) => api.apply(t, ns, name, p.patch, o)),
      );
    }
    return send(
      200,
      write((o) => api.patch(t, ns, name, p.type, p.patch, o)),
    );
  }
  if (method === 'DELETE') {
    const body = raw.length ? decodeWrite(req, raw) : undefined;
    const dopts = deleteOptions(body, q);
    if (name) {
      ctx.count('delete');
      const { obj, gone } = deleteObject(api, t, ns, name, dopts);
      // A real server answers 200 both ways: a Status when the object is gone, the object while finalizers hold it.
      return send(200, gone && !(t.builtin && t.kind === 'Pod') ? statusOk(r, obj) : obj);
    }
    ctx.count('deletecollection');
    const all = list(ctx, r, { ...q, limit: undefined, continue: undefined }) as { items: any[] };
    for (const o of all.items) deleteObject(api, t, o.metadata.namespace ?? '', o.metadata.name, dopts);
    return send(200, { ...all, metadata: { resourceVersion: String(api.store.rv) } });
  }
  throw errors.methodNotAllowed(method, t.plural);
}

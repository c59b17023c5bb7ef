// The API semantics independent of HTTP: one `commit` funnel that every write goes through
// (status/spec separation, generation, uid, managedFields, no-op detection, dry run,
// finalization), plus create/update/patch/apply built on it.
import { randomUUID } from 'node:crypto';
import { serverSideApply } from './apply.js';
import { errors } from './errors.js';
import { allocate, applyDefaults } from './defaults.js';
import { recordUpdate } from './managed.js';
import { omitEmpty } from './omitempty.js';
import { keepAllocated } from './service-alloc.js';
import { checkImmutable } from './immutable.js';
import { Admission, type AdmissionRequest } from './admission.js';
import { canonical, checkBody, validate } from './objects.js';
import { jsonPatch, mergePatch } from './patch.js';
import { Registry, storeKey } from './registry.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { pruneUnknown } from './schema.js';
import { Store } from './store.js';
import { strategicPatch } from './strategic.js';

export interface WriteOpts {
  manager: string;
  dryRun: boolean;
  subresource?: 'status' | 'scale';
  /** What to do with fields the kind's schema does not declare (kubectl sends Strict). */
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
  /** Collects warnings (unknown fields under Warn) for the response's Warning headers. */
  warnings?: string[];
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';
export type CommitHook = (t: ResourceType, obj: any, prev: any) => void;

let clockSecond = 0;
let clockText = '';

/** The current time as a Kubernetes timestamp (second precision, cached per second). */
export function now(): string {
  const sec = Math.floor(Date.now() / 1000);
  if (sec !== clockSecond) {
    clockSecond = sec;
    clockText = new Date(sec * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  }
  return clockText;
}

const serialized = new WeakMap<object, string>();

/** JSON of a stored object, computed once (stored objects never change). */
export function toJson(obj: object): string {
  let s = serialized.get(obj);
  if (s === undefined) serialized.set(obj, (s = JSON.stringify(obj)));
  return s;
}

const specCache = new WeakMap<object, string>();

/** JSON of everything but metadata and status (what bumps generation); cached for stored objects. */
function withoutMetaAndStatus(o: any, cache: boolean): string {
  const hit = cache ? specCache.get(o) : undefined;
  if (hit !== undefined) return hit;
  const { metadata: _m, status: _s, ...rest } = o ?? {};
  const s = JSON.stringify(rest);
  if (cache) specCache.set(o, s);
  return s;
}

/** Metadata an update keeps from the stored object whatever the body says. */
const KEPT_METADATA = [
  'uid',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
  'resourceVersion',
];

/**
 * Whether `b` holds the very same values as `a` in the same key order, metadata and status
 * aside: then their JSON without those is equal too, with nothing serialized (a status
 * write keeps the spec it found). Otherwise the JSON comparison decides.
 */
function sameBesidesMetaAndStatus(a: any, b: any): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i];
    if (k !== kb[i]) return false;
    if (k !== 'metadata' && k !== 'status' && a[k] !== b[k]) return false;
  }
  return true;
}

/**
 * managedFields an Update write sends replace the stored ones when they differ, as on a real
 * server (what client-go's csaupgrade relies on: a JSON patch of /metadata/managedFields); the
 * writer's own changes are then recorded on top. Absent or unchanged, the stored ones stand.
 */
function withSentManagedFields(prev: any, sent: any): any {
  const mf = sent?.metadata?.managedFields;
  if (!prev || mf === undefined || JSON.stringify(mf) === JSON.stringify(prev.metadata.managedFields)) return prev;
  checkManagedFields(mf);
  return { ...prev, metadata: { ...prev.metadata, managedFields: mf.length ? mf : undefined } };
}

function checkManagedFields(mf: unknown): void {
  const bad = (i: number, why: string) => errors.badRequest(`metadata.managedFields[${i}]: ${why}`);
  if (!Array.isArray(mf)) throw errors.badRequest('metadata.managedFields: must be a list');
  mf.forEach((e: any, i) => {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw bad(i, 'must be an object');
    if (typeof e.manager !== 'string') throw bad(i, 'manager must be a string');
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw bad(i, 'operation must be Apply or Update');
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') throw bad(i, 'fieldsType must be FieldsV1');
    if (
      e.fieldsV1 !== undefined &&
      (typeof e.fieldsV1 !== 'object' || e.fieldsV1 === null || Array.isArray(e.fieldsV1))
    )
      throw bad(i, 'fieldsV1 must be an object');
  });
}

export class Api {
  readonly store: Store;
  readonly registry = new Registry();
  /** Called after every stored write (CRD registration, simulation, persistence). */
  readonly hooks: CommitHook[] = [];
  /** Called when an object finally leaves the store. */
  readonly removeHooks: CommitHook[] = [];
  /** Built-in kinds stored as a real server stores them (omitempty fields left out); off keeps them as sent. */
  omitEmpty = true;
  /** Mutating and validating admission rules (none by default). */
  readonly admission = new Admission();

  constructor(historySize?: number) {
    this.store = new Store(historySize);
  }

  key(t: ResourceType): string {
    return storeKey(t);
  }

  get(t: ResourceType, ns: string, name: string): any {
    const o = this.store.get(storeKey(t), t.namespaced ? ns : '', name);
    if (!o) throw errors.notFound(t, name);
    return o;
  }

  requireNamespace(t: ResourceType, ns: string, name: string): void {
    if (!t.namespaced) return;
    const n = this.store.get('namespaces', '', ns);
    if (!n) throw errors.namespaceNotFound(ns);
    if (n.metadata.deletionTimestamp)
      throw errors.forbidden(t, name, `unable to create new content in namespace ${ns} because it is being terminated`);
  }

  /** Stores `next` as the new version of `prev` (undefined on create) after the server-side rules. */
  commit(t: ResourceType, prev: any, nextIn: any, opts: WriteOpts & { managed?: 'apply' | 'update' }): any {
    let next = nextIn;
    const sub = opts.subresource;
    if (prev && t.status) {
      if (sub === 'status')
        next = {
          ...prev,
          status: next.status,
          metadata: {
            ...prev.metadata,
            // A Deployment's status strategy keeps spec and labels only: the Deployment controller
            // writes the revision annotation through /status (apps/deployment strategy.go).
            ...(t.builtin && t.kind === 'Deployment' && next.metadata?.annotations
              ? { annotations: next.metadata.annotations }
              : {}),
            managedFields: next.metadata.managedFields,
          },
        };
      else next = { ...next, status: prev.status };
    }
    if (!t.status && sub === 'status') throw errors.noRoute();
    if (this.omitEmpty) next = omitEmpty(t.kind, t.builtin, next);
    next = keepAllocated(t.kind, t.builtin, prev, next);
    next = applyDefaults(t.kind, t.builtin, next);
    const req: AdmissionRequest | undefined =
      sub || this.admission.empty
        ? undefined
        : {
            operation: prev ? 'UPDATE' : 'CREATE',
            kind: t.kind,
            namespace: t.namespaced ? (next.metadata?.namespace ?? '') : '',
            name: next.metadata?.name ?? '',
          };
    if (req) {
      // A webhook's answer is decoded again: stored shape and defaults apply to what it added.
      next = this.admission.mutate(req, next);
      if (this.omitEmpty) next = omitEmpty(t.kind, t.builtin, next);
      next = applyDefaults(t.kind, t.builtin, next);
    }
    if (prev && sub !== 'status') checkImmutable(t, prev, next);
    const m: any = { ...next.metadata };
    if (prev) {
      for (const k of KEPT_METADATA) m[k] = prev.metadata[k];
      if (
        t.generation &&
        !sameBesidesMetaAndStatus(prev, next) &&
        withoutMetaAndStatus(prev, true) !== withoutMetaAndStatus(next, false)
      )
        m.generation = (prev.metadata.generation ?? 1) + 1;
    } else {
      if (!m.name && m.generateName) m.name = `${m.generateName}${randomUUID().slice(0, 5)}`;
      m.uid = randomUUID();
      m.creationTimestamp = now();
      delete m.deletionTimestamp;
      m.resourceVersion = '0';
      if (t.generation) m.generation = 1;
      else delete m.generation;
      if (t.status && sub !== 'status') delete next.status;
    }
    next = { ...next, metadata: m };
    if (opts.managed !== 'apply') {
      const mf = recordUpdate(withSentManagedFields(prev, nextIn), next, {
        manager: opts.manager,
        apiVersion: apiVersionOf(t),
        subresource: sub,
        builtin: t.builtin,
        now: now(),
        hasStatus: t.status,
      });
      if (mf) m.managedFields = mf;
      else delete m.managedFields;
    }
    if (!prev) next = allocate(t.kind, t.builtin, next);
    next = canonical(next);
    validate(t, next);
    if (req) this.admission.validate(req);
    // Only a write over an earlier version needs its JSON before storing (the no-op check); a
    // create's is made once, from the stored object.
    const json = prev ? JSON.stringify(next) : undefined;
    if (prev && json === toJson(prev)) return prev;
    if (prev?.metadata.deletionTimestamp && !next.metadata.finalizers?.length) {
      if (opts.dryRun) return next;
      return this.finalize(t, next);
    }
    if (opts.dryRun) return next;
    if (!prev) this.requireNamespace(t, next.metadata.namespace, next.metadata.name);
    const before = `"resourceVersion":"${next.metadata.resourceVersion}"`;
    const stored = this.store.put(storeKey(t), next);
    // The stored JSON differs from the one made for the no-op check only in resourceVersion,
    // which canonical order puts before any user-controlled string: patch it instead of
    // serializing again.
    serialized.set(
      stored,
      json === undefined
        ? JSON.stringify(stored)
        : json.replace(before, `"resourceVersion":"${stored.metadata.resourceVersion}"`),
    );
    for (const h of this.hooks) h(t, stored, prev);
    return stored;
  }

  /** Removes an object whose deletion is complete, running the cascade hooks. */
  finalize(t: ResourceType, obj: any): any {
    const gone = this.store.remove(storeKey(t), obj.metadata.namespace ?? '', obj.metadata.name);
    if (gone) for (const h of this.removeHooks) h(t, gone, obj);
    return gone ?? obj;
  }

  /** Drops undeclared fields of built-in kinds; rejects them under Strict (and always for apply). */
  private declaredFields(t: ResourceType, obj: any, opts: WriteOpts, apply: boolean): any {
    const { obj: pruned, unknown } = pruneUnknown(t.kind, t.builtin, obj);
    if (!unknown.length) return obj;
    const m = obj.metadata ?? {};
    if (apply)
      throw errors.badRequest(
        `failed to create typed patch object (${m.namespace ?? ''}/${m.name}; ${apiVersionOf(t)}, Kind=${t.kind}): ${unknown.map((u) => `.${u}: field not declared in schema`).join(', ')}`,
      );
    const mode = opts.fieldValidation ?? 'Warn';
    if (mode === 'Strict')
      throw errors.badRequest(
        `${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`,
      );
    if (mode === 'Warn') opts.warnings?.push(...unknown.map((u) => `unknown field "${u}"`));
    return pruned;
  }

  create(t: ResourceType, ns: string, body: any, opts: WriteOpts): any {
    const obj = this.declaredFields(t, checkBody(t, body, { ns }, false), opts, false);
    if (!obj.metadata.name && !obj.metadata.generateName) validate(t, canonical(obj));
    if (obj.metadata.name && this.store.get(storeKey(t), t.namespaced ? ns : '', obj.metadata.name))
      throw errors.alreadyExists(t, obj.metadata.name);
    if (!opts.dryRun) this.requireNamespace(t, ns, obj.metadata.name ?? '');
    return this.commit(t, undefined, obj, opts);
  }

  update(t: ResourceType, ns: string, name: string, body: any, opts: WriteOpts): any {
    const obj = this.declaredFields(t, checkBody(t, body, { ns, name }, false), opts, false);
    const prev = this.get(t, ns, name);
    const rv = obj.metadata.resourceVersion;
    if (rv && rv !== prev.metadata.resourceVersion) throw errors.conflict(t, name);
    return this.commit(t, prev, obj, opts);
  }

  patch(
    t: ResourceType,
    ns: string,
    name: string,
    type: PatchType,
    patch: any,
    opts: WriteOpts & { force: boolean },
  ): any {
    if (type === 'apply') return this.apply(t, ns, name, patch, opts);
    const prev = this.get(t, ns, name);
    let next: any;
    if (type === 'json') next = jsonPatch(prev, patch);
    else {
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
        throw errors.badRequest('the patch is not a JSON object');
      next = type === 'merge' ? mergePatch(prev, patch) : strategicPatch(prev, patch, t.builtin);
    }
    const obj = this.declaredFields(t, checkBody(t, next, { ns, name }, false), opts, false);
    const rv = obj.metadata.resourceVersion;
    if (rv && rv !== prev.metadata.resourceVersion) throw errors.conflict(t, name);
    return this.commit(t, prev, obj, opts);
  }

  apply(t: ResourceType, ns: string, name: string, body: any, opts: WriteOpts & { force: boolean }): any {
    const applied = this.declaredFields(t, checkBody(t, body, { ns, name }, true), opts, true);
    const prev = this.store.get(storeKey(t), t.namespaced ? ns : '', name);
    if (!prev && opts.subresource) throw errors.notFound(t, name);
    if (!prev && !opts.dryRun) this.requireNamespace(t, ns, name);
    const rv = body.metadata?.resourceVersion;
    if (prev && rv && rv !== prev.metadata.resourceVersion) throw errors.conflict(t, name);
    const merged = serverSideApply(prev, applied, {
      manager: opts.manager,
      apiVersion: apiVersionOf(t),
      subresource: opts.subresource,
      builtin: t.builtin,
      now: now(),
      force: opts.force,
      hasStatus: t.status,
    });
    return this.commit(
      t,
      prev,
      { ...merged, apiVersion: apiVersionOf(t), kind: t.kind },
      { ...opts, managed: 'apply' },
    );
  }
}

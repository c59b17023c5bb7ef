// Deletion: finalizers keep an object (with a deletionTimestamp) until they are cleared;
// propagationPolicy decides what happens to dependents (ownerReferences); deleting a
// namespace empties it first; deleting a CRD removes its custom resources and kinds.
import { type Api, now } from './api.js';
import { errors } from './errors.js';
import { storeKey } from './registry.js';
import type { ResourceType } from './resources.js';

export type Propagation = 'Foreground' | 'Background' | 'Orphan';

export interface DeleteOpts {
  propagationPolicy?: Propagation;
  dryRun: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Deletes one object; returns the object as it is after the request (still there if finalizers hold it). */
export function deleteObject(
  api: Api,
  t: ResourceType,
  ns: string,
  name: string,
  opts: DeleteOpts,
): { obj: any; gone: boolean } {
  const obj = api.get(t, ns, name);
  const pre = opts.preconditions;
  if (pre?.uid && pre.uid !== obj.metadata.uid) throw errors.conflict(t, name);
  if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) throw errors.conflict(t, name);
  if (opts.dryRun) return { obj, gone: false };
  const isNamespace = t.builtin && t.kind === 'Namespace';
  if (opts.propagationPolicy === 'Foreground' && !isNamespace && !obj.metadata.deletionTimestamp) {
    const deps = dependentsOf(api, obj.metadata.uid);
    if (deps.length) return deleteInForeground(api, t, obj, deps);
  }
  if (obj.metadata.finalizers?.length || isNamespace) {
    if (obj.metadata.deletionTimestamp) {
      if (isNamespace) emptyNamespace(api, name);
      return { obj, gone: isNamespace && !api.store.get('namespaces', '', name) };
    }
    const marked = {
      ...obj,
      metadata: {
        ...obj.metadata,
        deletionTimestamp: obj.metadata.deletionTimestamp ?? now(),
        deletionGracePeriodSeconds: 0,
      },
      ...(isNamespace ? { status: { ...(obj.status ?? {}), phase: 'Terminating' } } : {}),
    };
    const stored = api.store.put(storeKey(t), marked);
    if (isNamespace) {
      emptyNamespace(api, name);
      finishNamespace(api, name);
      return { obj: stored, gone: !api.store.get('namespaces', '', name) };
    }
    return { obj: stored, gone: false };
  }
  const gone = api.finalize(t, obj);
  cascade(api, obj, opts.propagationPolicy ?? 'Background');
  return { obj: gone, gone: true };
}

function dependentsOf(api: Api, uid: string): { t: ResourceType; obj: any }[] {
  const out: { t: ResourceType; obj: any }[] = [];
  if (!api.store.owned) return out;
  for (const t of uniqueTypes(api)) {
    for (const o of api.store.list(storeKey(t))) {
      if (o.metadata.ownerReferences?.some((r: any) => r.uid === uid)) out.push({ t, obj: o });
    }
  }
  return out;
}

const FOREGROUND = 'foregroundDeletion';

/** Foreground: the owner stays (deletionTimestamp, foregroundDeletion finalizer) until its dependents are gone. */
function deleteInForeground(
  api: Api,
  t: ResourceType,
  obj: any,
  deps: { t: ResourceType; obj: any }[],
): { obj: any; gone: boolean } {
  const finalizers = [...(obj.metadata.finalizers ?? []).filter((f: string) => f !== FOREGROUND), FOREGROUND];
  api.store.put(storeKey(t), {
    ...obj,
    metadata: { ...obj.metadata, deletionTimestamp: now(), deletionGracePeriodSeconds: 0, finalizers },
  });
  for (const d of deps)
    deleteObject(api, d.t, d.obj.metadata.namespace ?? '', d.obj.metadata.name, {
      dryRun: false,
      propagationPolicy: 'Foreground',
    });
  finishForeground(api, obj.metadata.uid);
  const after = api.store.get(storeKey(t), obj.metadata.namespace ?? '', obj.metadata.name);
  return { obj: after ?? obj, gone: !after };
}

/** Completes a foreground deletion once the owner with this uid has no dependents left. */
function finishForeground(api: Api, uid: string): void {
  for (const t of uniqueTypes(api)) {
    for (const o of api.store.list(storeKey(t))) {
      if (o.metadata.uid !== uid) continue;
      if (!o.metadata.finalizers?.includes(FOREGROUND) || dependentsOf(api, uid).length) return;
      const finalizers = o.metadata.finalizers.filter((f: string) => f !== FOREGROUND);
      const next = { ...o, metadata: { ...o.metadata, finalizers: finalizers.length ? finalizers : undefined } };
      if (finalizers.length) api.store.put(storeKey(t), next);
      else api.finalize(t, next);
      return;
    }
  }
}

function uniqueTypes(api: Api): ResourceType[] {
  const seen = new Set<string>();
  return api.registry.all().filter((t) => {
    const k = storeKey(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function cascade(api: Api, owner: any, policy: Propagation): void {
  for (const { t, obj } of dependentsOf(api, owner.metadata.uid)) {
    if (policy === 'Orphan') {
      const refs = obj.metadata.ownerReferences.filter((r: any) => r.uid !== owner.metadata.uid);
      const metadata = { ...obj.metadata, ownerReferences: refs.length ? refs : undefined };
      api.store.put(storeKey(t), { ...obj, metadata });
    } else {
      deleteObject(api, t, obj.metadata.namespace ?? '', obj.metadata.name, {
        dryRun: false,
        propagationPolicy: policy,
      });
    }
  }
}

/** Namespaces being emptied right now: their completion is checked once, at the end. */
const emptying = new Set<string>();

function emptyNamespace(api: Api, ns: string): void {
  emptying.add(ns);
  try {
    for (const t of uniqueTypes(api)) {
      if (!t.namespaced) continue;
      for (const o of api.store.list(storeKey(t), ns)) deleteObject(api, t, ns, o.metadata.name, { dryRun: false });
    }
  } finally {
    emptying.delete(ns);
  }
}

/** Removes a terminating namespace once nothing is left in it; true when it is gone. */
export function finishNamespace(api: Api, ns: string): boolean {
  const n = api.store.get('namespaces', '', ns);
  if (!n?.metadata.deletionTimestamp || emptying.has(ns)) return false;
  for (const t of uniqueTypes(api)) if (t.namespaced && api.store.anyIn(storeKey(t), ns)) return false;
  const nsType = api.registry.lookup('', 'v1', 'namespaces')!;
  api.finalize(nsType, n);
  return true;
}

/** Wires the cascades that follow an object leaving the store. */
export function installDeleteHooks(api: Api): void {
  api.removeHooks.push((t, obj) => {
    if (t.namespaced && obj.metadata.namespace) finishNamespace(api, obj.metadata.namespace);
    for (const ref of obj.metadata.ownerReferences ?? []) finishForeground(api, ref.uid);
    if (t.builtin && t.kind === 'CustomResourceDefinition') {
      const types = api.registry.unregisterCrd(obj.metadata.name);
      const first = types[0];
      if (first)
        for (const o of api.store.list(storeKey(first)))
          api.store.remove(storeKey(first), o.metadata.namespace ?? '', o.metadata.name);
    }
  });
  api.hooks.push((t, obj) => {
    if (!t.builtin || t.kind !== 'CustomResourceDefinition') return;
    const problem = api.registry.registerCrd(obj);
    const established = !problem;
    const conds = [
      {
        type: 'NamesAccepted',
        status: established ? 'True' : 'False',
        reason: established ? 'NoConflicts' : 'NameConflict',
        message: problem ?? 'no conflicts found',
      },
      {
        type: 'Established',
        status: established ? 'True' : 'False',
        reason: established ? 'InitialNamesAccepted' : 'NotAccepted',
        message: established ? 'the initial names have been accepted' : (problem ?? ''),
      },
    ];
    const names = obj.spec?.names ?? {};
    const status = {
      conditions: conds,
      acceptedNames: {
        plural: names.plural,
        singular: names.singular,
        kind: names.kind,
        listKind: names.listKind ?? `${names.kind}List`,
        shortNames: names.shortNames,
      },
      storedVersions: (obj.spec?.versions ?? []).filter((v: any) => v.storage).map((v: any) => v.name),
    };
    if (
      JSON.stringify(obj.status?.conditions?.map((c: any) => [c.type, c.status])) ===
      JSON.stringify(conds.map((c) => [c.type, c.status]))
    )
      return;
    const withTimes = { ...status, conditions: conds.map((c) => ({ ...c, lastTransitionTime: now() })) };
    api.store.put(storeKey(t), { ...obj, status: withTimes });
  });
}

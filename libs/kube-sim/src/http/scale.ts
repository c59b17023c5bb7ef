// The scale subresource: an autoscaling/v1 Scale view of a workload's replicas and selector,
// readable and writable (kubectl scale patches it).
import type { Api, WriteOpts } from '../api.js';
import { errors } from '../errors.js';
import { jsonPatch, mergePatch } from '../patch.js';
import type { ResourceType } from '../resources.js';
import { selectorString } from '../selectors.js';

function at(obj: any, path: string | undefined): any {
  if (!path) return undefined;
  let cur = obj;
  for (const s of path.split('.').filter(Boolean)) cur = cur?.[s];
  return cur;
}

function setAt(obj: any, path: string, value: unknown): any {
  const segs = path.split('.').filter(Boolean);
  const root = { ...obj };
  let cur = root;
  segs.forEach((s, i) => {
    if (i === segs.length - 1) cur[s] = value;
    else cur = cur[s] = { ...(cur[s] ?? {}) };
  });
  return root;
}

export function toScale(t: ResourceType, obj: any): any {
  const s = t.scale!;
  const sel = at(obj, '.spec.selector');
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  const selector = t.builtin ? (sel ? selectorString(sel) : '') : (at(obj, s.labelSelectorPath) ?? '');
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: at(obj, s.specReplicasPath) ?? 0 },
    status: { replicas: at(obj, s.statusReplicasPath) ?? 0, selector },
  };
}

/** Writes a new Scale (from a PUT body or a patch of the current Scale) back into the object. */
export function writeScale(
  api: Api,
  t: ResourceType,
  ns: string,
  name: string,
  change: { body?: any; patch?: { type: string; patch: unknown } },
  opts: WriteOpts,
): any {
  const obj = api.get(t, ns, name);
  const current = toScale(t, obj);
  let next: any;
  if (change.body) next = change.body;
  else if (change.patch?.type === 'json') next = jsonPatch(current, change.patch.patch);
  else if (change.patch?.type === 'merge' || change.patch?.type === 'strategic')
    next = mergePatch(current, change.patch.patch);
  else
    throw errors.unsupportedMediaType('application/apply-patch+yaml', [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
  const rv = next?.metadata?.resourceVersion;
  if (rv && rv !== obj.metadata.resourceVersion) throw errors.conflict(t, name);
  const replicas = next?.spec?.replicas;
  if (!Number.isInteger(replicas) || replicas < 0)
    throw errors.invalid(
      'Scale',
      name,
      [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.replicas',
          message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        },
      ],
      'autoscaling',
    );
  const stored = api.commit(t, obj, setAt(obj, t.scale!.specReplicasPath, replicas), { ...opts, subresource: 'scale' });
  return toScale(t, stored);
}

/**
 * `nameReference` entries from `configurations` (and `crds`): after renames, each configured field of a
 * referrer (a name string, a list of names, or a mapping with `name` and maybe `namespace`) follows the
 * object it names, chosen as kustomize's nameref filter does: a candidate of the referral kind that
 * had that name, in the referrer's namespace or cluster-scoped (a cluster-scoped referrer may name
 * anything); between several, those whose name prefixes/suffixes match the referrer's; several
 * candidates left with different current names is an error.
 */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { parseApiVersion } from '../../objects/kube-object.js';
import { isBuiltinClusterScoped } from '../../objects/scope.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';
import type { NameReferenceConfig } from './configurations.js';
import { visitSpecs } from './configurations.js';
import { sameAffixes } from './name-affixes.js';
import type { Resource } from './resource.js';

function effectiveNs(res: Resource): string {
  return isBuiltinClusterScoped(res.obj) ? '' : res.obj.metadata.namespace || 'default';
}

function isReferral(res: Resource, ref: NameReferenceConfig): boolean {
  const { group, version } = parseApiVersion(res.obj.apiVersion);
  return (
    res.obj.kind === ref.kind &&
    (ref.group === undefined || ref.group === group) &&
    (ref.version === undefined || ref.version === version)
  );
}

function renamed(res: Resource): boolean {
  return res.history.some(
    (h) => h.name !== res.obj.metadata.name || h.namespace !== (res.obj.metadata.namespace ?? ''),
  );
}

function select(
  referrer: Resource,
  candidates: readonly Resource[],
  oldName: string,
  namespace: string | undefined,
): Resource | undefined {
  const referrerNs = effectiveNs(referrer);
  const found = candidates.filter(
    (c) =>
      c !== referrer &&
      c.history.some((h) => h.name === oldName) &&
      (namespace === undefined || c.history.some((h) => (h.namespace || 'default') === namespace)) &&
      (referrerNs === '' ||
        effectiveNs(c) === '' ||
        effectiveNs(c) === referrerNs ||
        (namespace !== undefined && c.obj.kind === 'ServiceAccount')),
  );
  if (found.length <= 1) return found[0];
  const sieved = found.filter((c) => sameAffixes(c, referrer));
  if (sieved.length <= 1) return sieved[0];
  const names = new Set(sieved.map((c) => c.obj.metadata.name));
  if (names.size > 1)
    throw new RenderError(
      RenderErrorCode.InvalidKustomization,
      referrer.file,
      `${referrer.obj.kind}/${referrer.obj.metadata.name} names "${oldName}", which matches several objects: ${[...names].join(', ')}`,
    );
  return sieved[0];
}

export function fixConfiguredNameReferences(
  resources: readonly Resource[],
  configs: readonly NameReferenceConfig[],
): void {
  if (configs.length === 0) return;
  const moved = resources.filter(renamed);
  if (moved.length === 0) return;
  for (const ref of configs) {
    const candidates = moved.filter((r) => isReferral(r, ref));
    if (candidates.length === 0) continue;
    for (const referrer of resources) {
      visitSpecs(referrer.obj, ref.fieldSpecs, 'string', (value, set) => {
        if (typeof value === 'string') {
          const to = select(referrer, candidates, value, undefined);
          if (to) set(to.obj.metadata.name);
        } else if (Array.isArray(value)) {
          value.forEach((v, i) => {
            const to = typeof v === 'string' ? select(referrer, candidates, v, undefined) : undefined;
            if (to) value[i] = to.obj.metadata.name;
          });
        } else if (isPlainObject(value) && typeof value['name'] === 'string') {
          const ns = typeof value['namespace'] === 'string' ? value['namespace'] : undefined;
          const to = select(referrer, candidates, value['name'], ns);
          if (!to) return;
          value['name'] = to.obj.metadata.name;
          if (to.obj.metadata.namespace) value['namespace'] = to.obj.metadata.namespace;
        }
      });
    }
  }
}

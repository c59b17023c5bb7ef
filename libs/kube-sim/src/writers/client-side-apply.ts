// Objects as `kubectl apply` (client-side) leaves them: created with field manager
// `kubectl-client-side-apply` (operation Update, owning every field it sent) and the
// `kubectl.kubernetes.io/last-applied-configuration` annotation holding the applied configuration
// as compact JSON with a trailing newline (kubectl's GetModifiedConfiguration). For seeding a
// cluster an agent must adopt; the real kubectl does the same over HTTP (test/writers.int-spec.ts).
import type { Api } from '../api.js';
import { errors } from '../errors.js';

export const CLIENT_SIDE_APPLY_MANAGER = 'kubectl-client-side-apply';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** JSON with keys sorted at every level, as Go encodes a map (kubectl's unstructured objects). */
function goJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** Creates `obj` as a first client-side `kubectl apply` does; returns the stored object. */
export function seedClientSideApply(api: Api, obj: any): any {
  const t = api.registry.byKind(String(obj?.apiVersion ?? ''), String(obj?.kind ?? ''));
  if (!t) throw errors.badRequest(`no kind ${obj?.kind} in ${obj?.apiVersion} is served`);
  const { [LAST_APPLIED_ANNOTATION]: _old, ...annotations } = obj.metadata?.annotations ?? {};
  // kubectl keeps the emptied map: `"annotations":{}` when the manifest had none.
  const config = { ...obj, metadata: { ...obj.metadata, annotations } };
  const lastApplied = `${goJson(config)}\n`;
  const body = {
    ...obj,
    metadata: { ...obj.metadata, annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: lastApplied } },
  };
  const ns = t.namespaced ? (obj.metadata?.namespace ?? 'default') : '';
  return api.create(t, ns, body, { manager: CLIENT_SIDE_APPLY_MANAGER, dryRun: false });
}

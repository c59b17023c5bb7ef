/**
 * Adoption of objects first applied with client-side `kubectl apply`: their fields belong to the
 * Update manager `kubectl-client-side-apply`, so a server-side apply that leaves one of them out
 * would keep it (it is someone else's). As kubectl does on its client-side → server-side upgrade
 * (client-go util/csaupgrade), the fields of those Update entries (no subresource) are moved into
 * our own Apply entry — converting the most recent such entry when we have none yet — and the
 * entries dropped, in one JSON patch of /metadata/managedFields guarded by the resourceVersion.
 * The next apply then removes what the manifest no longer has. `before-first-apply` (what a server
 * records for fields set before managedFields existed) is taken over the same way.
 */
import type { KubeObject } from '@flotilla/gitops';

export const CLIENT_SIDE_MANAGERS: ReadonlySet<string> = new Set(['kubectl-client-side-apply', 'before-first-apply']);

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

type FieldsV1 = Record<string, unknown>;

/** The union of two FieldsV1 tries (a deep merge of their keys). */
export function unionFields(a: FieldsV1 | undefined, b: FieldsV1 | undefined): FieldsV1 {
  const out: FieldsV1 = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b ?? {})) {
    const mine = out[k];
    out[k] =
      mine && typeof mine === 'object' && v && typeof v === 'object' ? unionFields(mine as FieldsV1, v as FieldsV1) : v;
  }
  return out;
}

const isUpdateOf = (name: string) => (e: ManagedFieldsEntry) =>
  e.manager === name && e.operation === 'Update' && !e.subresource;

/** managedFields with every client-side manager's Update entry moved into `ssaManager`'s Apply entry (csaupgrade). */
export function upgradeManagedFields(
  entries: readonly ManagedFieldsEntry[],
  csaManagers: ReadonlySet<string>,
  ssaManager: string,
): ManagedFieldsEntry[] {
  let out = entries.map((e) => ({ ...e }));
  for (const csa of csaManagers) {
    let target = out.findIndex((e) => e.manager === ssaManager && e.operation === 'Apply' && !e.subresource);
    if (target < 0) {
      target = out.findIndex(isUpdateOf(csa));
      if (target < 0) continue;
      out[target] = { ...out[target], manager: ssaManager, operation: 'Apply' };
    }
    const apiVersion = out[target]!.apiVersion;
    const source = out.find((e) => isUpdateOf(csa)(e) && e.apiVersion === apiVersion);
    if (source) out[target] = { ...out[target], fieldsV1: unionFields(out[target]!.fieldsV1, source.fieldsV1) };
    out = out.filter((e) => !isUpdateOf(csa)(e));
  }
  return out;
}

/** Whether the live object has fields of a client-side manager left to take over. */
export function needsAdoption(live: KubeObject): boolean {
  const entries = (live.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  return entries.some((e) => e.operation === 'Update' && !e.subresource && CLIENT_SIDE_MANAGERS.has(e.manager ?? ''));
}

/** The JSON patch moving the client-side managers' fields to `ssaManager`, as kubectl's upgrade sends it. */
export function adoptionPatch(live: KubeObject, ssaManager: string): unknown[] {
  const entries = (live.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  return [
    {
      op: 'replace',
      path: '/metadata/managedFields',
      value: upgradeManagedFields(entries, CLIENT_SIDE_MANAGERS, ssaManager),
    },
    // A write in between changed the object: the server answers 409 and nothing is lost.
    { op: 'replace', path: '/metadata/resourceVersion', value: live.metadata['resourceVersion'] },
  ];
}

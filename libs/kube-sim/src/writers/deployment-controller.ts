// A Deployment-controller-like writer: it keeps each Deployment's
// `deployment.kubernetes.io/revision` annotation (1 on first sight, +1 whenever the pod template
// changes, as a new ReplicaSet would get) and its `status.observedGeneration`. Like the real
// controller it writes both through the status subresource (UpdateStatus; the Deployment status
// strategy keeps the request's annotations), with manager `kube-controller-manager`: managedFields
// show operation Update, subresource `status`, owning the annotation and the status fields.
import type { Api } from '../api.js';
import { storeKey } from '../registry.js';
import type { WriterTick } from './writer.js';

export const DEPLOYMENT_CONTROLLER_MANAGER = 'kube-controller-manager';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

export function deploymentControllerWriter(api: Api, manager = DEPLOYMENT_CONTROLLER_MANAGER): WriterTick {
  const t = api.registry.lookup('apps', 'v1', 'deployments')!;
  /** uid → the pod template last seen and its revision. */
  const seen = new Map<string, { template: string; revision: number }>();
  return () => {
    let writes = 0;
    const alive = new Set<string>();
    for (const d of api.store.list(storeKey(t), undefined)) {
      if (d.metadata.deletionTimestamp) continue;
      alive.add(d.metadata.uid);
      const template = JSON.stringify(d.spec?.template ?? {});
      const had = seen.get(d.metadata.uid);
      const annotated = Number(d.metadata.annotations?.[REVISION_ANNOTATION]);
      const revision = !had
        ? Number.isInteger(annotated) && annotated > 0
          ? annotated
          : 1
        : had.revision + (had.template === template ? 0 : 1);
      seen.set(d.metadata.uid, { template, revision });
      const annotations = { ...(d.metadata.annotations ?? {}), [REVISION_ANNOTATION]: String(revision) };
      const status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation };
      const stored = api.commit(
        t,
        d,
        { ...d, metadata: { ...d.metadata, annotations }, status },
        {
          manager,
          dryRun: false,
          subresource: 'status',
        },
      );
      if (stored !== d) writes++;
    }
    for (const uid of seen.keys()) if (!alive.has(uid)) seen.delete(uid);
    return writes;
  };
}

// An HPA-like writer: for every autoscaling/v2 HorizontalPodAutoscaler whose scaleTargetRef is a
// workload with a scale subresource, it writes the target's `/scale` as the HPA controller does —
// a PUT of the Scale with manager `kube-controller-manager`, recorded as operation Update with
// subresource `scale` on the workload — and then the HPA's own status (subresource `status`).
// Each tick moves the target between minReplicas and maxReplicas (a load that rises and falls),
// so every tick writes.
import type { Api } from '../api.js';
import { storeKey } from '../registry.js';
import { writeScale } from '../http/scale.js';
import type { WriterTick } from './writer.js';

export const HPA_MANAGER = 'kube-controller-manager';

export function hpaWriter(api: Api, manager = HPA_MANAGER): WriterTick {
  const hpaType = api.registry.lookup('autoscaling', 'v2', 'horizontalpodautoscalers')!;
  return (clock) => {
    let writes = 0;
    for (const hpa of api.store.list(storeKey(hpaType), undefined)) {
      const ref = hpa.spec?.scaleTargetRef;
      const ns = hpa.metadata.namespace;
      const t = api.registry.byKind(String(ref?.apiVersion ?? ''), String(ref?.kind ?? ''));
      if (!t?.scale) continue;
      const target = api.store.get(storeKey(t), ns, String(ref.name ?? ''));
      if (!target || target.metadata.deletionTimestamp) continue;
      const min = Number.isInteger(hpa.spec?.minReplicas) ? hpa.spec.minReplicas : 1;
      const max = Number.isInteger(hpa.spec?.maxReplicas) ? hpa.spec.maxReplicas : min;
      const current = target.spec?.replicas ?? 1;
      const desired = current >= max ? min : max;
      if (desired === current) continue;
      writeScale(api, t, ns, ref.name, { body: { spec: { replicas: desired } } }, { manager, dryRun: false });
      writes++;
      const status = {
        ...(hpa.status ?? {}),
        currentReplicas: current,
        desiredReplicas: desired,
        lastScaleTime: clock.rfc3339(),
      };
      api.commit(hpaType, hpa, { ...hpa, status }, { manager, dryRun: false, subresource: 'status' });
    }
    return writes;
  };
}

// `kubectl rollout restart` on a timer: a strategic merge patch setting the pod template's
// `kubectl.kubernetes.io/restartedAt` annotation to the (simulated) time in RFC 3339, with
// kubectl's field manager `kubectl-rollout` (operation Update). Targets every Deployment, or
// those of one namespace / with the given names.
import type { Api } from '../api.js';
import { storeKey } from '../registry.js';
import type { WriterTick } from './writer.js';

export const ROLLOUT_MANAGER = 'kubectl-rollout';
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export interface RolloutRestartTargets {
  namespace?: string;
  names?: string[];
}

export function rolloutRestartWriter(
  api: Api,
  targets: RolloutRestartTargets = {},
  manager = ROLLOUT_MANAGER,
): WriterTick {
  const t = api.registry.lookup('apps', 'v1', 'deployments')!;
  return (clock) => {
    let writes = 0;
    const at = clock.rfc3339();
    for (const d of api.store.list(storeKey(t), targets.namespace)) {
      if (d.metadata.deletionTimestamp || (targets.names && !targets.names.includes(d.metadata.name))) continue;
      const patch = { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: at } } } } };
      const stored = api.patch(t, d.metadata.namespace, d.metadata.name, 'strategic', patch, {
        manager,
        dryRun: false,
        force: false,
      });
      if (stored !== d) writes++;
    }
    return writes;
  };
}

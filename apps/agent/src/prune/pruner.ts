/**
 * prune/: deletes what the agent's own inventory holds and the new render no longer has — never
 * anything found by label alone. Each candidate is read first: gone already counts as deleted,
 * `flotilla.dev/prune: disabled` keeps it, a failed delete stays in the inventory for next time.
 * What someone else owns now under the same name (deleted and created again by another tool, or
 * taken over by another cluster's agent) is left alone and dropped from the inventory: the live
 * object must still carry this cluster's owner label and a field-manager entry of ours.
 */
import { PRUNE_ANNOTATION, PRUNE_DISABLED, entryAsObject, type InventoryDiff, type KubeObject } from '@flotilla/gitops';
import { ObjectAction } from '@flotilla/protocol';
import type { AppliedObjects } from '../apply/applied-objects.js';
import { Discovery } from '../kube/discovery.js';
import { KubeApiError, type KubeClient } from '../kube/kube-client.js';
import { FIELD_MANAGER } from '../apply/server-apply.js';
import { OWNER_LABEL } from '../render/renderer.js';

export interface PruneResult {
  id: string;
  obj: KubeObject;
  action: typeof ObjectAction.Deleted | typeof ObjectAction.Skipped | typeof ObjectAction.Failed;
  message?: string;
}

export class Pruner {
  constructor(
    private readonly client: KubeClient,
    private readonly discovery: Discovery,
    private readonly applied: AppliedObjects,
    private readonly clusterId: string,
  ) {}

  /** Why the live object is no longer this agent's to delete, or undefined when it still is. */
  private foreignOwner(live: KubeObject): string | undefined {
    const label = live.metadata.labels?.[OWNER_LABEL];
    if (label !== this.clusterId) return `its ${OWNER_LABEL} label is ${label === undefined ? 'gone' : `"${label}"`}`;
    const managers = (live.metadata.managedFields ?? []) as Array<{ manager?: string }>;
    if (!managers.some((m) => m.manager === FIELD_MANAGER)) {
      const others = [...new Set(managers.map((m) => m.manager ?? '?'))].join(', ') || 'none';
      return `it has no fields managed by ${FIELD_MANAGER} (managers: ${others})`;
    }
    return undefined;
  }

  private async pruneOne(id: string, obj: KubeObject): Promise<PruneResult> {
    try {
      // Inside the try: a kind whose discovery fails (503) keeps only this object for next time.
      const info = await this.discovery.resourceFor(obj.apiVersion, obj.kind);
      if (!info) return { id, obj, action: ObjectAction.Deleted, message: 'kind no longer served' };
      const path = Discovery.objectPath(info, obj);
      const { body } = await this.client.request<KubeObject>('GET', path);
      if (body.metadata.annotations?.[PRUNE_ANNOTATION] === PRUNE_DISABLED) {
        this.applied.delete(id);
        return { id, obj, action: ObjectAction.Skipped, message: `kept: ${PRUNE_ANNOTATION}: ${PRUNE_DISABLED}` };
      }
      const foreign = this.foreignOwner(body);
      if (foreign) {
        this.applied.delete(id);
        return { id, obj, action: ObjectAction.Skipped, message: `kept: owned by someone else now (${foreign})` };
      }
      this.applied.delete(id);
      await this.client.request('DELETE', path, {
        // The object read above, and no later version of it: a change in between is a 409, kept for next time.
        body: {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          propagationPolicy: 'Background',
          preconditions: { uid: body.metadata.uid, resourceVersion: body.metadata.resourceVersion },
        },
      });
      return { id, obj, action: ObjectAction.Deleted };
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404)
        return { id, obj, action: ObjectAction.Deleted, message: 'already gone' };
      return { id, obj, action: ObjectAction.Failed, message: (error as Error).message.slice(0, 2000) };
    }
  }

  /** Deletes in the diff's order (reverse apply order), one at a time. */
  async prune(diff: InventoryDiff): Promise<PruneResult[]> {
    const out: PruneResult[] = [];
    for (const entry of diff.prune) out.push(await this.pruneOne(entry.id, entryAsObject(entry)));
    return out;
  }
}

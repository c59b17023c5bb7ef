/**
 * inventory/: the agent's record of every object it applied, kept in the cluster (ConfigMap
 * `flotilla-inventory` in `flotilla-system`, created with its namespace when missing) so it
 * survives the agent's state dir. Written before an apply with the union of old and new
 * objects (a kill mid-apply orphans nothing) and after prune with what is left.
 */
import { makeInventory, type Inventory } from '@flotilla/gitops';
import type { KubeClient } from '../kube/kube-client.js';
import { KubeApiError } from '../kube/kube-client.js';
import { FIELD_MANAGER } from '../apply/server-apply.js';

export const INVENTORY_NAMESPACE = 'flotilla-system';
export const INVENTORY_NAME = 'flotilla-inventory';
const PATH = `/api/v1/namespaces/${INVENTORY_NAMESPACE}/configmaps/${INVENTORY_NAME}`;

export class InventoryStore {
  private namespaceReady = false;
  private last: string | undefined;

  constructor(private readonly client: KubeClient) {}

  async load(): Promise<Inventory> {
    try {
      const { body } = await this.client.request<{ data?: Record<string, string> }>('GET', PATH);
      const raw = body.data?.['entries'];
      this.last = raw;
      return makeInventory(raw ? (JSON.parse(raw) as Inventory['entries']) : []);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return makeInventory([]);
      throw error;
    }
  }

  async save(inventory: Inventory): Promise<void> {
    const entries = JSON.stringify(inventory.entries);
    if (entries === this.last) return;
    const apply = {
      query: { fieldManager: FIELD_MANAGER, force: 'true' },
      contentType: 'application/apply-patch+yaml',
    };
    if (!this.namespaceReady) {
      await this.client.request('PATCH', `/api/v1/namespaces/${INVENTORY_NAMESPACE}`, {
        ...apply,
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: INVENTORY_NAMESPACE } },
      });
      this.namespaceReady = true;
    }
    await this.client.request('PATCH', PATH, {
      ...apply,
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: INVENTORY_NAME, namespace: INVENTORY_NAMESPACE },
        data: { entries },
      },
    });
    this.last = entries;
  }
}

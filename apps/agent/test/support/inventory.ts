/** The inventory as stored in a kube-sim: the head ConfigMap and the shards it names (or the single-ConfigMap form). */
import type { KubeSim } from '@flotilla/kube-sim';
import { INVENTORY_NAME, INVENTORY_NAMESPACE } from '../../src/inventory/inventory-store.js';

type ConfigMap = { data?: Record<string, string> } | undefined;

export function storedInventory(sim: KubeSim): Array<{ id: string; apiVersion: string }> {
  const get = (name: string) => sim.api.store.get('configmaps', INVENTORY_NAMESPACE, name) as ConfigMap;
  const head = get(INVENTORY_NAME)?.data;
  if (!head) return [];
  if (head['format'] !== '2') return JSON.parse(head['entries'] ?? '[]');
  return Array.from({ length: Number(head['shards']) }, (_, i) =>
    JSON.parse(get(`${INVENTORY_NAME}-${head['slot']}-${i}`)!.data!['entries']!),
  ).flat();
}

/**
 * An inventory of any size: 12,000 entries do not fit in one ConfigMap (kube-sim refuses it as a
 * real API server does, 1 MiB), so they are sharded across ConfigMaps named by a head. Earlier
 * agents' single-ConfigMap form is read and migrated; shrinking deletes the shards no longer named.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory, type InventoryEntry } from '@flotilla/gitops';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { KubeApiError, KubeClient } from '../src/kube/kube-client.js';
import { loadKubeconfig } from '../src/kube/kubeconfig.js';
import {
  INVENTORY_NAME,
  INVENTORY_NAMESPACE,
  InventoryStore,
  SHARD_LABEL,
  shardEntries,
} from '../src/inventory/inventory-store.js';
import { storedInventory } from './support/inventory.js';

const CONFIGMAPS = `/api/v1/namespaces/${INVENTORY_NAMESPACE}/configmaps`;

/** `n` entries shaped like a real fleet's: Deployments, Services and ConfigMaps in 100 namespaces. */
function entries(n: number, prefix = 'app'): InventoryEntry[] {
  const kinds = [
    { group: 'apps', kind: 'Deployment', apiVersion: 'apps/v1' },
    { group: '', kind: 'Service', apiVersion: 'v1' },
    { group: '', kind: 'ConfigMap', apiVersion: 'v1' },
  ];
  return Array.from({ length: n }, (_, i) => {
    const k = kinds[i % 3]!;
    return {
      id: `team-payments-${i % 100}_${prefix}-${i}-frontend-service-config_${k.group}_${k.kind}`,
      apiVersion: k.apiVersion,
    };
  });
}

describe('sharded inventory', () => {
  let sim: KubeSim;
  let dir: string;
  let client: KubeClient;
  const shardNames = async () =>
    (
      await client.request<{ items: { metadata: { name: string } }[] }>('GET', CONFIGMAPS, {
        query: { labelSelector: SHARD_LABEL },
      })
    ).body.items
      .map((c) => c.metadata.name)
      .sort();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-inventory-'));
    sim = await startKubeSim({ name: 'inventory', kubeconfigPath: join(dir, 'kubeconfig'), simulate: false });
    client = new KubeClient(loadKubeconfig(sim.kubeconfigPath));
  });
  afterAll(async () => {
    client?.close();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('splits entries into shards under the byte limit, none lost, none split', () => {
    const all = makeInventory(entries(12_000)).entries;
    const shards = shardEntries(all, 512 * 1024);
    expect(shards.length).toBeGreaterThan(1);
    for (const s of shards) expect(Buffer.byteLength(s)).toBeLessThanOrEqual(512 * 1024);
    expect(shards.flatMap((s) => JSON.parse(s) as InventoryEntry[])).toEqual(all);
    expect(shardEntries([], 100)).toEqual([]);
  });

  it('a single ConfigMap of 12,000 entries is refused, as by a real API server', async () => {
    const all = makeInventory(entries(12_000)).entries;
    const error = await client
      .request('POST', CONFIGMAPS.replace(INVENTORY_NAMESPACE, 'default'), {
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'too-big' },
          data: { entries: JSON.stringify(all) },
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).status).toBe(422);
    expect((error as KubeApiError).message).toContain('Too long: must have at most 1048576 bytes');
  });

  it('reads the single-ConfigMap form, migrates it at the next save, holds 12,000 and shrinks cleanly', async () => {
    // An earlier agent's inventory: one ConfigMap with data.entries, applied by the same field manager.
    const old = makeInventory(entries(3_000, 'old'));
    await client.request('PATCH', `/api/v1/namespaces/${INVENTORY_NAMESPACE}`, {
      query: { fieldManager: 'flotilla', force: 'true' },
      contentType: 'application/apply-patch+yaml',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: INVENTORY_NAMESPACE } },
    });
    await client.request('PATCH', `${CONFIGMAPS}/${INVENTORY_NAME}`, {
      query: { fieldManager: 'flotilla', force: 'true' },
      contentType: 'application/apply-patch+yaml',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: INVENTORY_NAME, namespace: INVENTORY_NAMESPACE },
        data: { entries: JSON.stringify(old.entries) },
      },
    });

    const store = new InventoryStore(client);
    expect(await store.load()).toEqual(old);
    await store.save(old); // unchanged, but migrated
    const head = sim.api.store.get('configmaps', INVENTORY_NAMESPACE, INVENTORY_NAME) as {
      data: Record<string, string>;
    };
    expect(head.data['entries']).toBeUndefined();
    expect(head.data).toMatchObject({ format: '2', shards: '1', count: '3000' });
    expect(storedInventory(sim)).toEqual(old.entries);

    // Before an apply: the union of old and new, 12,000 + 3,000.
    const big = makeInventory([...old.entries, ...entries(12_000)]);
    await store.save(big);
    expect(storedInventory(sim)).toHaveLength(15_000);
    expect((await shardNames()).length).toBeGreaterThanOrEqual(3);
    const fresh = new InventoryStore(client);
    expect(await fresh.load()).toEqual(big);

    // After prune: 12,000 left; then 10; the shards the head no longer names are gone.
    const next = makeInventory(entries(12_000));
    await fresh.save(next);
    expect(await new InventoryStore(client).load()).toEqual(next);
    const small = makeInventory(entries(10));
    await fresh.save(small);
    expect(await new InventoryStore(client).load()).toEqual(small);
    const slot = (
      sim.api.store.get('configmaps', INVENTORY_NAMESPACE, INVENTORY_NAME) as { data: Record<string, string> }
    ).data['slot'];
    expect(await shardNames()).toEqual([`${INVENTORY_NAME}-${slot}-0`]);
  });

  it('a shard missing under its head fails the load rather than forgetting objects', async () => {
    const store = new InventoryStore(client, { shardBytes: 4096 });
    await store.save(makeInventory(entries(500)));
    const [first] = await shardNames();
    await client.request('DELETE', `${CONFIGMAPS}/${first}`);
    await expect(new InventoryStore(client).load()).rejects.toThrow(/404/);
  });

  it("is kept in the agent's own namespace when given one, and nothing lands in flotilla-system", async () => {
    const ns = 'tenant-agents';
    const inDefault = await shardNames();
    const defaultHead = sim.api.store.get('configmaps', INVENTORY_NAMESPACE, INVENTORY_NAME);
    const store = new InventoryStore(client, { namespace: ns, shardBytes: 4096 });
    const inv = makeInventory(entries(300, 'own'));
    await store.save(inv);
    const head = sim.api.store.get('configmaps', ns, INVENTORY_NAME) as { data: Record<string, string> } | undefined;
    expect(head?.data).toMatchObject({ format: '2', count: '300' });
    expect(Number(head!.data['shards'])).toBeGreaterThan(1);
    expect(sim.api.store.get('namespaces', '', ns)).toBeDefined();
    expect(await new InventoryStore(client, { namespace: ns }).load()).toEqual(inv);
    // flotilla-system untouched: the same shards, the same head.
    expect(await shardNames()).toEqual(inDefault);
    expect(sim.api.store.get('configmaps', INVENTORY_NAMESPACE, INVENTORY_NAME)).toEqual(defaultHead);
    expect(() => new InventoryStore(client, { namespace: 'Not_A_Namespace' })).toThrow(/not a namespace name/);
  });
});

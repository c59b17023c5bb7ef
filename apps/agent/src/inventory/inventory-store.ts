/**
 * inventory/: the agent's record of every object it applied, kept in the cluster (in the agent's
 * own namespace, `--state-namespace`: the chart and the kustomize base set it to the pod's
 * namespace through the downward API; `flotilla-system` when unset; the namespace is created
 * when missing) so it survives the agent's state dir. Written before an apply with the union of old and new objects (a kill mid-apply orphans
 * nothing) and after prune with what is left.
 *
 * A ConfigMap holds at most 1 MiB (about 10,000 entries), so the entries are sharded: ConfigMaps
 * `flotilla-inventory-<slot>-<i>` (each at most `shardBytes` of entries JSON) hold them, and the
 * head ConfigMap `flotilla-inventory` names the slot (`a` or `b`) and the shard count. A save
 * writes every shard of the other slot, then flips the head in one write, then deletes the
 * previous slot's shards (once per process, after the first save, every shard the head does not
 * name, so an interrupted save leaves nothing behind for long): a reader (or a kill at any point) sees the old or the new inventory,
 * whole. The current slot's shards are never written while the head names them, so a load whose
 * head is the version this store last read or wrote reuses its entries (one GET per pass).
 * The single-ConfigMap form of earlier agents (`data.entries` in the head) is read, and
 * replaced by the sharded form at the next save.
 */
import { makeInventory, type Inventory, type InventoryEntry } from '@flotilla/gitops';
import type { KubeClient } from '../kube/kube-client.js';
import { KubeApiError } from '../kube/kube-client.js';
import { FIELD_MANAGER } from '../apply/server-apply.js';

/** The namespace the inventory is kept in when the agent is given none. */
export const INVENTORY_NAMESPACE = 'flotilla-system';
export const INVENTORY_NAME = 'flotilla-inventory';
/** Label on every shard (value: the head's name), so stale ones are found with one list. */
export const SHARD_LABEL = 'flotilla.dev/inventory-shard-of';
/** Entries JSON per shard: half the 1 MiB a ConfigMap may hold. */
export const DEFAULT_SHARD_BYTES = 512 * 1024;
const FORMAT = '2';

type Slot = 'a' | 'b';
interface ConfigMapBody {
  metadata?: { resourceVersion?: string };
  data?: Record<string, string>;
}
interface Head {
  slot: Slot;
  shards: number;
}

const shardName = (slot: Slot, i: number) => `${INVENTORY_NAME}-${slot}-${i}`;

/** Splits sorted entries into JSON arrays of at most `maxBytes` each (one entry never splits). */
export function shardEntries(entries: readonly InventoryEntry[], maxBytes: number): string[] {
  const shards: string[] = [];
  let parts: string[] = [];
  let size = 2;
  for (const e of entries) {
    const json = JSON.stringify({ id: e.id, apiVersion: e.apiVersion });
    if (parts.length && size + json.length + 1 > maxBytes) {
      shards.push(`[${parts.join(',')}]`);
      parts = [];
      size = 2;
    }
    parts.push(json);
    size += json.length + 1;
  }
  if (parts.length) shards.push(`[${parts.join(',')}]`);
  return shards;
}

export class InventoryStore {
  private namespaceReady = false;
  /** The entries JSON of the last load or save, to skip a save that changes nothing. */
  private last: string | undefined;
  private head: Head | undefined;
  /** The head's resourceVersion and the inventory it stands for, from the last load or save. */
  private cached: { resourceVersion: string; inventory: Inventory } | undefined;
  /** The first save that knows the previous head also lists and deletes every stray shard. */
  private sweepPending = true;

  private readonly namespace: string;
  private readonly shardBytes: number;
  private readonly configMaps: string;
  private readonly headPath: string;

  constructor(
    private readonly client: KubeClient,
    opts: { namespace?: string; shardBytes?: number } = {},
  ) {
    this.namespace = opts.namespace ?? INVENTORY_NAMESPACE;
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(this.namespace))
      throw new Error(`the inventory namespace ${JSON.stringify(this.namespace)} is not a namespace name (DNS label)`);
    this.shardBytes = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
    this.configMaps = `/api/v1/namespaces/${this.namespace}/configmaps`;
    this.headPath = `${this.configMaps}/${INVENTORY_NAME}`;
  }

  async load(): Promise<Inventory> {
    let data: Record<string, string>;
    let resourceVersion: string | undefined;
    try {
      const { body } = await this.client.request<ConfigMapBody>('GET', this.headPath);
      data = body.data ?? {};
      resourceVersion = body.metadata?.resourceVersion;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) {
        this.head = undefined;
        this.cached = undefined;
        this.last = JSON.stringify([]);
        return makeInventory([]);
      }
      throw error;
    }
    if (resourceVersion && this.cached?.resourceVersion === resourceVersion) return this.cached.inventory;
    this.cached = undefined;
    if (data['format'] !== FORMAT) {
      // The single-ConfigMap form: read it; `last` stays unset so the next save migrates it.
      this.head = undefined;
      this.last = undefined;
      return makeInventory(data['entries'] ? (JSON.parse(data['entries']) as InventoryEntry[]) : []);
    }
    const head = { slot: data['slot'] === 'b' ? 'b' : 'a', shards: Number(data['shards']) } as Head;
    if (!Number.isInteger(head.shards) || head.shards < 0)
      throw new Error(`the inventory head ${this.namespace}/${INVENTORY_NAME} names no valid shard count`);
    const entries: InventoryEntry[] = [];
    for (let i = 0; i < head.shards; i++) {
      const name = shardName(head.slot, i);
      const { body } = await this.client.request<ConfigMapBody>('GET', `${this.configMaps}/${name}`);
      const raw = body.data?.['entries'];
      if (raw === undefined) throw new Error(`the inventory shard ${this.namespace}/${name} holds no entries`);
      entries.push(...(JSON.parse(raw) as InventoryEntry[]));
    }
    if (String(entries.length) !== data['count'])
      throw new Error(
        `the inventory ${this.namespace}/${INVENTORY_NAME} should hold ${data['count']} entries, its shards hold ${entries.length}`,
      );
    const inventory = makeInventory(entries);
    this.head = head;
    this.last = JSON.stringify(inventory.entries);
    if (resourceVersion) this.cached = { resourceVersion, inventory };
    return inventory;
  }

  async save(inventory: Inventory): Promise<void> {
    const entries = JSON.stringify(inventory.entries);
    if (entries === this.last) return;
    if (!this.namespaceReady) {
      await this.apply(`/api/v1/namespaces/${this.namespace}`, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: this.namespace },
      });
      this.namespaceReady = true;
    }
    const slot: Slot = this.head?.slot === 'a' ? 'b' : 'a';
    const shards = shardEntries(inventory.entries, this.shardBytes);
    for (const [i, json] of shards.entries()) {
      const name = shardName(slot, i);
      await this.apply(`${this.configMaps}/${name}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: this.namespace, labels: { [SHARD_LABEL]: INVENTORY_NAME } },
        data: { entries: json },
      });
    }
    // The flip: from here on readers see the new shards. Applying the head without `entries`
    // also removes that field of the single-ConfigMap form (this field manager owned it).
    this.cached = undefined;
    const written = (await this.apply(this.headPath, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: INVENTORY_NAME, namespace: this.namespace },
      data: { format: FORMAT, slot, shards: String(shards.length), count: String(inventory.entries.length) },
    })) as ConfigMapBody;
    const previous = this.head;
    this.head = { slot, shards: shards.length };
    this.last = entries;
    const resourceVersion = written.metadata?.resourceVersion;
    if (resourceVersion) this.cached = { resourceVersion, inventory: makeInventory(inventory.entries) };
    const keep = new Set(shards.map((_, i) => shardName(slot, i)));
    if (!previous) return; // nothing known to delete yet; the next save sweeps
    if (this.sweepPending) {
      // Once per process: every shard the head does not name, also those an interrupted save left.
      const { body } = await this.client.request<{ items?: { metadata: { name: string } }[] }>('GET', this.configMaps, {
        query: { labelSelector: `${SHARD_LABEL}=${INVENTORY_NAME}` },
      });
      await this.deleteShards((body.items ?? []).map((i) => i.metadata.name).filter((n) => !keep.has(n)));
      this.sweepPending = false;
    } else {
      await this.deleteShards(Array.from({ length: previous.shards }, (_, i) => shardName(previous.slot, i)));
    }
  }

  private async deleteShards(names: string[]): Promise<void> {
    for (const name of names) {
      try {
        await this.client.request('DELETE', `${this.configMaps}/${name}`);
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      }
    }
  }

  private async apply(path: string, body: unknown): Promise<unknown> {
    const res = await this.client.request('PATCH', path, {
      query: { fieldManager: FIELD_MANAGER, force: 'true' },
      contentType: 'application/apply-patch+yaml',
      body,
    });
    return res.body;
  }
}

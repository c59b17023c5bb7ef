// The in-memory object store: Maps keyed by resource → "namespace/name" → object, one global
// resourceVersion counter, and a bounded event history that watches resume from. Stored
// objects are never mutated: every write stores a new object, so readers can share them.
export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  rv: number;
  resource: string;
  obj: any;
  /** The object before the change (MODIFIED), so selector watches can see objects leave. */
  old?: any;
  /** Serialized `{"type":..,"object":..}` line, built once and shared by all watchers. */
  line?: string;
}

export type StoreListener = (e: StoreEvent) => void;

function hasOwners(o: any): number {
  return o.metadata.ownerReferences?.length ? 1 : 0;
}

export class Store {
  private objects = new Map<string, Map<string, any>>();
  private history: StoreEvent[] = [];
  private listeners = new Set<StoreListener>();
  rv = 1;
  /** How many stored objects have ownerReferences (deletion skips the dependents scan at 0). */
  owned = 0;
  /** Events at or below this resourceVersion are gone: a watch from there gets 410. */
  compactedRv = 1;

  constructor(private maxHistory = 10_000) {}

  get(resource: string, ns: string, name: string): any {
    return this.objects.get(resource)?.get(`${ns}/${name}`);
  }

  /** Objects of a resource (in one namespace when given), ordered by namespace/name like etcd keys. */
  list(resource: string, ns?: string): any[] {
    const m = this.objects.get(resource);
    if (!m) return [];
    let keys = [...m.keys()];
    if (ns !== undefined) keys = keys.filter((k) => k.startsWith(`${ns}/`));
    return keys.sort().map((k) => m.get(k));
  }

  /** Whether any object of the resource lives in the namespace. */
  anyIn(resource: string, ns: string): boolean {
    const m = this.objects.get(resource);
    if (!m) return false;
    for (const k of m.keys()) if (k.startsWith(`${ns}/`)) return true;
    return false;
  }

  count(resource: string): number {
    return this.objects.get(resource)?.size ?? 0;
  }

  resources(): string[] {
    return [...this.objects.keys()];
  }

  /** Stores a new version of an object (assigning its resourceVersion) and emits the event. */
  put(resource: string, obj: any): any {
    const ns = obj.metadata.namespace ?? '';
    const k = `${ns}/${obj.metadata.name}`;
    let m = this.objects.get(resource);
    if (!m) this.objects.set(resource, (m = new Map()));
    const old = m.get(k);
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    m.set(k, obj);
    this.owned += hasOwners(obj) - (old ? hasOwners(old) : 0);
    this.emit({ type: old ? 'MODIFIED' : 'ADDED', rv, resource, obj, old });
    return obj;
  }

  remove(resource: string, ns: string, name: string): any {
    const m = this.objects.get(resource);
    const k = `${ns}/${name}`;
    const old = m?.get(k);
    if (!m || !old) return undefined;
    m.delete(k);
    this.owned -= hasOwners(old);
    const rv = ++this.rv;
    const obj = { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } };
    this.emit({ type: 'DELETED', rv, resource, obj, old });
    return obj;
  }

  /** Events after `rv` for a resource; undefined when that history was compacted away. */
  since(rv: number): StoreEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid].rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  /** Forgets all history up to now (tests use it to provoke 410 Gone). */
  compact(): void {
    this.history = [];
    this.compactedRv = this.rv;
  }

  subscribe(l: StoreListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  dump(): { rv: number; objects: Record<string, any[]> } {
    const objects: Record<string, any[]> = {};
    for (const [r, m] of this.objects) objects[r] = [...m.values()];
    return { rv: this.rv, objects };
  }

  load(state: { rv: number; objects: Record<string, any[]> }): void {
    this.objects.clear();
    for (const [r, list] of Object.entries(state.objects)) {
      const m = new Map<string, any>();
      for (const o of list) m.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
      this.objects.set(r, m);
    }
    this.rv = state.rv;
    this.owned = Object.values(state.objects).reduce((n, list) => n + list.reduce((c, o) => c + hasOwners(o), 0), 0);
    this.compact();
  }

  private emit(e: StoreEvent): void {
    this.history.push(e);
    if (this.history.length > this.maxHistory + 1_000) {
      const drop = this.history.length - this.maxHistory;
      this.compactedRv = this.history[drop - 1].rv;
      this.history.splice(0, drop);
    }
    for (const l of this.listeners) l(e);
  }
}

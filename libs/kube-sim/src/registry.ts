// Which resource types exist right now: the built-ins plus what live CRDs declare. Discovery,
// routing and the store all ask this one registry, so a CRD's kinds appear everywhere at once.
import { BUILTIN_TYPES, type ResourceType, typesFromCrd } from './resources.js';

export class Registry {
  private byPath = new Map<string, ResourceType>();
  private crdTypes = new Map<string, ResourceType[]>();
  /** Bumped on every change, so discovery documents can be cached until then. */
  revision = 0;

  constructor() {
    for (const t of BUILTIN_TYPES) this.byPath.set(key(t.group, t.version, t.plural), t);
  }

  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byPath.get(key(group, version, plural));
  }

  /** The type serving a kind in an apiVersion ("apps/v1", "v1"). */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    for (const t of this.byPath.values()) if (t.group === group && t.version === version && t.kind === kind) return t;
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.byPath.values()];
  }

  /** group → versions (in declaration order), for /apis. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const t of this.byPath.values()) {
      if (!t.group) continue;
      const versions = out.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      out.set(t.group, versions);
    }
    return out;
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.all().filter((t) => t.group === group && t.version === version);
  }

  /** Registers (or re-registers) the kinds of a CRD; returns the problem if its names clash. */
  registerCrd(crd: any): string | undefined {
    const name = String(crd?.metadata?.name ?? '');
    const types = typesFromCrd(crd);
    for (const t of types) {
      const existing = this.lookup(t.group, t.version, t.plural);
      if (existing && existing.builtin) return `${t.plural}.${t.group} is a built-in resource`;
    }
    this.unregisterCrd(name);
    for (const t of types) this.byPath.set(key(t.group, t.version, t.plural), t);
    this.crdTypes.set(name, types);
    this.revision++;
    return undefined;
  }

  unregisterCrd(name: string): ResourceType[] {
    const types = this.crdTypes.get(name) ?? [];
    for (const t of types) this.byPath.delete(key(t.group, t.version, t.plural));
    this.crdTypes.delete(name);
    if (types.length) this.revision++;
    return types;
  }
}

function key(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

/** The store's key for a type: objects of all versions of a group/plural live together. */
export function storeKey(t: Pick<ResourceType, 'group' | 'plural'>): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

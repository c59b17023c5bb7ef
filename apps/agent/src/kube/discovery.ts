/**
 * Discovery: which resource (plural name, scope) serves an apiVersion/kind, asked of the server
 * once per group/version and cached; forgotten on demand (after a CRD becomes Established).
 */
import { parseApiVersion, type KubeObject } from '@flotilla/gitops';
import { KubeApiError, type KubeClient } from './kube-client.js';

export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

interface ApiResourceList {
  resources?: Array<{ name: string; kind: string; namespaced: boolean }>;
}

export class Discovery {
  private readonly groups = new Map<string, Promise<Map<string, ResourceInfo> | undefined>>();

  constructor(private readonly client: KubeClient) {}

  private load(apiVersion: string): Promise<Map<string, ResourceInfo> | undefined> {
    let p = this.groups.get(apiVersion);
    if (!p) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      p = this.client.request<ApiResourceList>('GET', path).then(
        ({ body }) => {
          const kinds = new Map<string, ResourceInfo>();
          for (const r of body.resources ?? []) {
            if (!r.name.includes('/'))
              kinds.set(r.kind, { apiVersion, kind: r.kind, plural: r.name, namespaced: r.namespaced });
          }
          return kinds;
        },
        (error: unknown) => {
          this.groups.delete(apiVersion);
          if (error instanceof KubeApiError && error.status === 404) return undefined;
          throw error;
        },
      );
      this.groups.set(apiVersion, p);
    }
    return p;
  }

  /** The resource serving apiVersion/kind, or undefined when the server does not know the kind. */
  async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const found = (await this.load(apiVersion))?.get(kind);
    if (found) return found;
    this.groups.delete(apiVersion);
    return (await this.load(apiVersion))?.get(kind);
  }

  /** Forgets a group (e.g. a CRD for it was just established). */
  forget(group: string): void {
    for (const key of this.groups.keys()) if (parseApiVersion(key).group === group) this.groups.delete(key);
  }

  /** API path of a collection (`namespace` undefined = all namespaces / cluster-scoped). */
  static collectionPath(info: ResourceInfo, namespace?: string): string {
    const prefix = info.apiVersion.includes('/') ? `/apis/${info.apiVersion}` : `/api/${info.apiVersion}`;
    return info.namespaced && namespace
      ? `${prefix}/namespaces/${namespace}/${info.plural}`
      : `${prefix}/${info.plural}`;
  }

  static objectPath(info: ResourceInfo, obj: Pick<KubeObject, 'metadata'>): string {
    return `${Discovery.collectionPath(info, info.namespaced ? (obj.metadata.namespace ?? 'default') : undefined)}/${encodeURIComponent(obj.metadata.name)}`;
  }
}

/** Server-side apply of one object: field manager `flotilla`, force, optionally as a dry run. */
import type { KubeObject } from '@flotilla/gitops';
import { Discovery, type ResourceInfo } from '../kube/discovery.js';
import type { KubeClient, KubeResponse } from '../kube/kube-client.js';

export const FIELD_MANAGER = 'flotilla';

export class ServerApply {
  constructor(readonly client: KubeClient) {}

  apply(info: ResourceInfo, obj: KubeObject, opts: { dryRun?: boolean } = {}): Promise<KubeResponse<KubeObject>> {
    return this.client.request<KubeObject>('PATCH', Discovery.objectPath(info, obj), {
      body: obj,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: FIELD_MANAGER, force: 'true', dryRun: opts.dryRun ? 'All' : undefined },
    });
  }
}

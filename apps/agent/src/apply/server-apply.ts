/** Server-side apply of one object: field manager `flotilla`, force, optionally as a dry run. */
import type { KubeObject } from '@flotilla/gitops';
import { adoptionPatch, needsAdoption } from './adoption.js';
import { Discovery, type ResourceInfo } from '../kube/discovery.js';
import { KubeApiError, type KubeClient, type KubeResponse } from '../kube/kube-client.js';

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

  /**
   * Takes over an object a client-side `kubectl apply` made (adoption.ts): its managers' fields
   * become ours, then the apply again removes what the manifest no longer has. `answer` is what our
   * first apply returned; a write in between (409) is retried on a fresh read, a few times.
   */
  async adopt(
    info: ResourceInfo,
    obj: KubeObject,
    answer: KubeResponse<KubeObject>,
  ): Promise<KubeResponse<KubeObject>> {
    let live = answer.body;
    for (let attempt = 1; needsAdoption(live); attempt++) {
      const path = Discovery.objectPath(info, obj);
      try {
        await this.client.request<KubeObject>('PATCH', path, {
          body: adoptionPatch(live, FIELD_MANAGER),
          contentType: 'application/json-patch+json',
        });
        return await this.apply(info, obj);
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 409) || attempt >= 3) throw error;
        live = (await this.client.request<KubeObject>('GET', path)).body;
      }
    }
    return answer;
  }
}

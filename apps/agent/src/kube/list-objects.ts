/** One list of a kind's objects, as full objects: the server leaves apiVersion and kind off list items. */
import type { KubeObject } from '@flotilla/gitops';
import { Discovery, type ResourceInfo } from './discovery.js';
import type { KubeClient } from './kube-client.js';

export async function listObjects(
  client: KubeClient,
  info: ResourceInfo,
  opts: { labelSelector?: string } = {},
): Promise<KubeObject[]> {
  const { body } = await client.request<{ items?: KubeObject[] }>('GET', Discovery.collectionPath(info), {
    query: { labelSelector: opts.labelSelector },
  });
  return (body.items ?? []).map((item) => ({ ...item, apiVersion: info.apiVersion, kind: info.kind }));
}

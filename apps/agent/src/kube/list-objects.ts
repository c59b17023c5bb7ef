/** One list of a kind's objects (a page at a time), as full objects: the server leaves apiVersion and kind off list items. */
import type { KubeObject } from '@flotilla/gitops';
import { Discovery, type ResourceInfo } from './discovery.js';
import type { KubeClient } from './kube-client.js';
import { listAll } from './list-pages.js';

export async function listObjects(
  client: KubeClient,
  info: ResourceInfo,
  opts: { labelSelector?: string } = {},
): Promise<KubeObject[]> {
  const { items } = await listAll<KubeObject>(client, Discovery.collectionPath(info), {
    query: { labelSelector: opts.labelSelector },
  });
  return items.map((item) => ({ ...item, apiVersion: info.apiVersion, kind: info.kind }));
}

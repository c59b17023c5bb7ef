/**
 * Opt-in recreate for immutable-field changes (like Flux's `kustomize.toolkit.fluxcd.io/force:
 * enabled`): an object annotated `flotilla.dev/force: enabled` whose apply the server refuses
 * because a field it keeps fixed changed (a Deployment's selector, a Job's template, a
 * StatefulSet's volumeClaimTemplates, …) is deleted and created again. Off by default: without
 * the annotation the refusal fails that object alone, naming its file and the server's message.
 */
import type { KubeObject } from '@flotilla/gitops';
import { sleep } from '../backoff.js';
import { Discovery, type ResourceInfo } from '../kube/discovery.js';
import { KubeApiError, type KubeResponse } from '../kube/kube-client.js';
import type { ServerApply } from './server-apply.js';

export const FORCE_ANNOTATION = 'flotilla.dev/force';
export const FORCE_ENABLED = 'enabled';

/** The messages a real API server gives for a change of a field it keeps fixed (422 Invalid). */
const IMMUTABLE =
  /field is immutable|may not change once set|updates to statefulset spec for fields other than|spec is immutable after creation/;

export function isImmutableRejection(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 422 && IMMUTABLE.test(error.message);
}

export function wantsRecreate(obj: KubeObject): boolean {
  return obj.metadata.annotations?.[FORCE_ANNOTATION] === FORCE_ENABLED;
}

/**
 * Deletes the live object (background propagation, preconditioned on the uid seen), waits until
 * it is gone (bounded) and applies `obj` again. Throws when it is still there after `timeoutMs`.
 */
export async function recreate(
  server: ServerApply,
  info: ResourceInfo,
  obj: KubeObject,
  timeoutMs = 30_000,
): Promise<KubeResponse<KubeObject>> {
  const path = Discovery.objectPath(info, obj);
  const { body: live } = await server.client.request<KubeObject>('GET', path);
  await server.client
    .request('DELETE', path, {
      body: {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        propagationPolicy: 'Background',
        preconditions: { uid: live.metadata.uid },
      },
    })
    .catch((e: unknown) => {
      if (!(e instanceof KubeApiError && e.status === 404)) throw e;
    });
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
    try {
      const { body } = await server.client.request<KubeObject>('GET', path);
      if (body.metadata.uid !== live.metadata.uid) break;
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) break;
      throw e;
    }
    if (Date.now() > deadline)
      throw new Error(`recreate: ${obj.kind} ${obj.metadata.name} still being deleted after ${timeoutMs} ms`);
    await sleep(wait);
  }
  return server.apply(info, obj);
}

/** Turns parsed YAML documents into validated Kubernetes objects (`*List` documents with items are expanded). */
import { RenderError, RenderErrorCode } from '../errors/render-error.js';
import type { KubeObject } from '../objects/kube-object.js';
import { isPlainObject } from '../yaml/parse-manifests.js';

/**
 * Validated objects of a file's documents, built in place: the documents must be the caller's own,
 * with no value shared between two places (what parseYamlDocuments and ParseCache hand out — YAML
 * aliases are copied apart there), since later stages mutate objects one at a time.
 */
export function toKubeObjects(file: string, docs: readonly unknown[]): KubeObject[] {
  const out: KubeObject[] = [];
  docs.forEach((doc, index) => {
    const where = docs.length > 1 ? ` (document ${index + 1})` : '';
    // Any `*List` kind with items, of any group (e.g. rbac.authorization.k8s.io/v1 RoleBindingList), as kubectl.
    if (
      isPlainObject(doc) &&
      typeof doc['kind'] === 'string' &&
      doc['kind'].endsWith('List') &&
      Array.isArray(doc['items'])
    ) {
      for (const item of doc['items'] as unknown[]) out.push(validateObject(file, item, `${where} list item`));
    } else out.push(validateObject(file, doc, where));
  });
  return out;
}

export function validateObject(file: string, doc: unknown, where = ''): KubeObject {
  if (!isPlainObject(doc))
    throw new RenderError(RenderErrorCode.InvalidObject, file, `document${where} is not a mapping`);
  const missing: string[] = [];
  if (typeof doc['apiVersion'] !== 'string' || doc['apiVersion'] === '') missing.push('apiVersion');
  if (typeof doc['kind'] !== 'string' || doc['kind'] === '') missing.push('kind');
  const meta = doc['metadata'];
  if (!isPlainObject(meta) || typeof meta['name'] !== 'string' || meta['name'] === '') {
    const generateName = isPlainObject(meta) && typeof meta['generateName'] === 'string';
    missing.push(generateName ? 'metadata.name (generateName cannot be applied declaratively)' : 'metadata.name');
  }
  if (missing.length > 0) {
    const label = typeof doc['kind'] === 'string' ? ` ${doc['kind']}` : '';
    throw new RenderError(RenderErrorCode.InvalidObject, file, `object${where}${label} has no ${missing.join(', ')}`);
  }
  const ns = (meta as Record<string, unknown>)['namespace'];
  if (ns !== undefined && ns !== null && typeof ns !== 'string') {
    throw new RenderError(RenderErrorCode.InvalidObject, file, `object${where} has a non-string metadata.namespace`);
  }
  if (ns === null || ns === '') delete (meta as Record<string, unknown>)['namespace'];
  return doc as KubeObject;
}

// A minimal OpenAPI v3: per group-version, the PATCH operation of each kind with its
// x-kubernetes-group-version-kind and the `fieldValidation` query parameter. That is what
// kubectl reads to decide that the server validates fields itself (no client-side schema).
import type { Registry } from './registry.js';

export function openapiRootDoc(registry: Registry): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  const add = (p: string) => (paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${registry.revision}` });
  add('api/v1');
  for (const [g, vs] of registry.groups()) for (const v of vs) add(`apis/${g}/${v}`);
  return { paths };
}

export function openapiGroupDoc(
  registry: Registry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const types = registry.inGroupVersion(group, version);
  if (!types.length) return undefined;
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const paths: Record<string, unknown> = {};
  for (const t of types) {
    const path = t.namespaced ? `${base}/namespaces/{namespace}/${t.plural}/{name}` : `${base}/${t.plural}/{name}`;
    const media = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
    const schema = { $ref: `#/components/schemas/${t.kind}` };
    paths[path] = {
      patch: {
        operationId: `patch${t.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
        parameters: [
          { name: 'dryRun', in: 'query', schema: { type: 'string' } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
          { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
          { name: 'force', in: 'query', schema: { type: 'boolean' } },
        ],
        requestBody: { content: Object.fromEntries(media.map((m) => [m, { schema: { type: 'object' } }])) },
        responses: { '200': { description: 'OK', content: { 'application/json': { schema } } } },
      },
    };
  }
  const schemas: Record<string, unknown> = {};
  for (const t of types)
    schemas[t.kind] = {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      'x-kubernetes-group-version-kind': [{ group: t.group, version: t.version, kind: t.kind }],
    };
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.33.0-kube-sim' },
    paths,
    components: { schemas },
  };
}

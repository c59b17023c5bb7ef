/** Field paths into an object: segments (field, merge-keyed list element) and their printed form. */

export type PathSegment = { field: string } | { key: Record<string, unknown> };

export type FieldPath = PathSegment[];

const PLAIN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `spec.template.spec.containers[name="web"].image`, `metadata.labels["app.kubernetes.io/name"]`. */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if ('field' in seg)
      out += PLAIN.test(seg.field) ? `${out === '' ? '' : '.'}${seg.field}` : `[${JSON.stringify(seg.field)}]`;
    else
      out += `[${Object.entries(seg.key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
  }
  return out;
}

/**
 * kustomize's field-spec path walk (api/filters/fieldspec): `a/b/c`, where a list met on the way is
 * walked element by element whether or not the segment says `[]`; a missing field is created only
 * when the spec says `create` (a map on the way, `leaf` at the end). The visitor gets each value found
 * at the end of the path with a setter for it.
 */
import { isPlainObject } from '../../yaml/parse-manifests.js';

export type Leaf = 'map' | 'string';
export type PathVisitor = (value: unknown, set: (value: unknown) => void) => void;

/** `a/b/c`; `\\/` is a slash inside a segment (annotation keys). */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split('/')) {
    const last = out.length - 1;
    if (last >= 0 && out[last]?.endsWith('\\')) out[last] = `${out[last]?.slice(0, -1)}/${part}`;
    else out.push(part);
  }
  return out.filter((s) => s !== '');
}

export function walkPath(
  node: unknown,
  segments: readonly string[],
  create: Leaf | undefined,
  visit: PathVisitor,
  set: (value: unknown) => void = () => undefined,
): void {
  if (segments.length === 0) return visit(node, set);
  if (Array.isArray(node)) {
    node.forEach((item, i) => walkPath(item, segments, create, visit, (v) => (node[i] = v)));
    return;
  }
  if (!isPlainObject(node)) return;
  const [head = '', ...rest] = segments;
  const isSeq = head.endsWith('[]');
  const key = isSeq ? head.slice(0, -2) : head;
  let child = node[key];
  if (child === undefined || child === null) {
    if (!create || isSeq) return;
    if (rest.length === 0 && create === 'string') {
      // kustomize creates a scalar leaf only through the visitor (SetValue on a new node).
      return visit(undefined, (v) => (node[key] = v));
    }
    child = {};
    node[key] = child;
  }
  walkPath(child, rest, create, visit, (v) => (node[key] = v));
}

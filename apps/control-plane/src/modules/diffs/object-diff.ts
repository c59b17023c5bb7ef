/**
 * Compares two renders of a cluster path object by object: identity is apiVersion group, kind,
 * namespace and name; each object is shown as YAML with sorted keys (Secrets redacted) and a
 * changed object carries a unified diff. Unchanged objects are left out. Pure, no I/O.
 */
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import { parseApiVersion, redactObject, type KubeObject } from '@flotilla/gitops';

export type ObjectChangeKind = 'ADDED' | 'REMOVED' | 'CHANGED';

export interface ObjectChange {
  apiVersion: string;
  kind: string;
  namespace: string | null;
  name: string;
  change: ObjectChangeKind;
  diff: string;
}

const keyOf = (o: KubeObject) =>
  `${parseApiVersion(o.apiVersion).group}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;

/** The object as YAML with every map's keys sorted, so equal objects print the same text. */
export function stableYaml(obj: KubeObject, redact = true): string {
  return stringify(redact ? redactObject(obj) : obj, { sortMapEntries: true, lineWidth: 0 });
}

function unified(label: string, before: string, after: string): string {
  const patch = createTwoFilesPatch(`a/${label}`, `b/${label}`, before, after, undefined, undefined, { context: 3 });
  // drop jsdiff's "Index:" and "====" preamble: start at the --- header like git does
  return patch.slice(patch.indexOf('--- '));
}

function labelOf(o: KubeObject): string {
  return [o.kind, o.metadata.namespace, o.metadata.name].filter(Boolean).join('/');
}

/** Objects added, removed or changed going from `before` to `after`, sorted by kind, namespace, name. */
export function diffObjects(before: readonly KubeObject[], after: readonly KubeObject[]): ObjectChange[] {
  const from = new Map(before.map((o) => [keyOf(o), o]));
  const to = new Map(after.map((o) => [keyOf(o), o]));
  const out: ObjectChange[] = [];
  for (const key of new Set([...from.keys(), ...to.keys()])) {
    const a = from.get(key);
    const b = to.get(key);
    const obj = (b ?? a)!;
    if (a && b && stableYaml(a, false) === stableYaml(b, false)) continue;
    const [ya, yb] = [a ? stableYaml(a) : '', b ? stableYaml(b) : ''];
    out.push({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: obj.metadata.namespace ?? null,
      name: obj.metadata.name,
      change: !a ? 'ADDED' : !b ? 'REMOVED' : 'CHANGED',
      diff: unified(labelOf(obj), ya, yb) + (ya === yb ? '# redacted Secret values changed\n' : ''),
    });
  }
  const sortKey = (c: ObjectChange) => `${c.kind}\u0000${c.namespace ?? ''}\u0000${c.name}\u0000${c.apiVersion}`;
  return out.sort((x, y) => (sortKey(x) < sortKey(y) ? -1 : sortKey(x) > sortKey(y) ? 1 : 0));
}

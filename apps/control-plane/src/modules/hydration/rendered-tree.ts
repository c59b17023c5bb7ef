/**
 * The rendered branch's layout: one folder per cluster (its name) holding one plain YAML file per
 * object, `<namespace or _cluster>/<Kind>[.<group>]-<name>.yaml`, so a Git diff shows which object
 * of which cluster changed. Files are YAML 1.1-safe (strings that read as other types are quoted),
 * so every YAML reader sees the same values. Identical renders of one path share one Git tree.
 * Each folder also holds `.flotilla-path`, the fleet-repository path it was rendered from (not a
 * manifest: agents read only `.yaml`/`.yml`), so a cluster moved to another path is rendered again.
 */
import type { GitTreeEntry, KubeObject } from '@flotilla/gitops';
import { parseApiVersion } from '@flotilla/gitops';
import { stringify } from 'yaml';

export interface ObjectWriter {
  writeBlob(bytes: Uint8Array): Promise<string>;
  writeTree(entries: GitTreeEntry[]): Promise<string>;
}

const SAFE = /[^A-Za-z0-9._:@=+-]/g;

export function objectFileName(obj: KubeObject): string {
  const { group } = parseApiVersion(obj.apiVersion);
  const kind = group ? `${obj.kind}.${group}` : obj.kind;
  return `${kind}-${obj.metadata.name}.yaml`.replace(SAFE, '_');
}

export function objectYaml(obj: KubeObject): string {
  return stringify(obj, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}

const byPath = (a: GitTreeEntry, b: GitTreeEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

export const PATH_FILE = '.flotilla-path';

/** Writes the objects of one render of `path` as a tree; returns its oid. */
export async function writeRenderTree(
  store: ObjectWriter,
  objects: readonly KubeObject[],
  path: string,
): Promise<string> {
  const dirs = new Map<string, GitTreeEntry[]>();
  for (const obj of objects) {
    const dir = (obj.metadata.namespace ?? '_cluster').replace(SAFE, '_');
    const oid = await store.writeBlob(new TextEncoder().encode(objectYaml(obj)));
    const list = dirs.get(dir) ?? [];
    list.push({ mode: '100644', path: objectFileName(obj), oid, type: 'blob' });
    dirs.set(dir, list);
  }
  const root: GitTreeEntry[] = [
    {
      mode: '100644',
      path: PATH_FILE,
      oid: await store.writeBlob(new TextEncoder().encode(`${path}\n`)),
      type: 'blob',
    },
  ];
  for (const [dir, entries] of dirs)
    root.push({ mode: '040000', path: dir, oid: await store.writeTree(entries.sort(byPath)), type: 'tree' });
  return store.writeTree(root.sort(byPath));
}

/** The root tree: each cluster's folder. */
export function writeRootTree(store: ObjectWriter, folders: ReadonlyMap<string, string>): Promise<string> {
  const entries = [...folders].map(([path, oid]): GitTreeEntry => ({ mode: '040000', path, oid, type: 'tree' }));
  return store.writeTree(entries.sort(byPath));
}

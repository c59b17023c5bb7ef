import { describe, expect, it } from 'vitest';
import { type GitTreeEntry, ObjectStoreTree } from './object-store-tree.js';

const objects: Record<string, readonly GitTreeEntry[] | string> = {
  root: [
    { path: 'clusters', mode: '040000', oid: 'clusters', type: 'tree' },
    { path: 'link', mode: '120000', oid: 'blob-link', type: 'blob' },
    { path: 'sub', mode: '160000', oid: 'c0ffee', type: 'commit' },
  ],
  clusters: [{ path: 'a.yaml', mode: '100644', oid: 'blob-a', type: 'blob' }],
  'blob-a': 'kind: ConfigMap\n',
  'blob-link': 'clusters',
};

describe('ObjectStoreTree', () => {
  let treeReads = 0;
  const store = {
    readTree: async (oid: string) => {
      treeReads++;
      const t = objects[oid];
      if (typeof t !== 'object') throw new Error(`no tree ${oid}`);
      return t;
    },
    readBlob: async (oid: string) => new TextEncoder().encode(objects[oid] as string),
  };

  it('walks tree objects to files and directories, reading each tree object once', async () => {
    const tree = new ObjectStoreTree(store, 'root');
    expect(await tree.readDir('')).toEqual(['clusters', 'link', 'sub']);
    expect(await tree.entry('clusters')).toEqual({ type: 'dir' });
    expect(new TextDecoder().decode(await tree.readFile('clusters/a.yaml'))).toBe('kind: ConfigMap\n');
    expect(await tree.entry('clusters/a.yaml')).toEqual({ type: 'file' });
    expect(await tree.entry('clusters/missing.yaml')).toBeUndefined();
    expect(treeReads).toBe(2);
  });

  it('reports symlinks and submodules without following them', async () => {
    const tree = new ObjectStoreTree(store, 'root');
    expect(await tree.entry('link')).toEqual({ type: 'symlink' });
    expect(await tree.entry('link/a.yaml')).toBeUndefined();
    expect(await tree.entry('sub')).toEqual({ type: 'submodule' });
    await expect(tree.readFile('link')).rejects.toThrow('not a file in the commit: link');
    await expect(tree.readDir('clusters/a.yaml')).rejects.toThrow('not a directory in the commit: clusters/a.yaml');
  });
});

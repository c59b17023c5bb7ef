/**
 * The RepoTree of one commit in the agent's isomorphic-git object store: libs/gitops'
 * ObjectStoreTree (tree walking, symlinks and submodules reported, never followed) reading tree
 * and blob objects straight from the packs — no checkout.
 */
import { ObjectStoreTree } from '@flotilla/gitops';
import git from 'isomorphic-git';
import type * as fs from 'node:fs';
import { objectStoreFs } from './object-store-fs.js';

export class GitTree extends ObjectStoreTree {
  constructor(fsModule: typeof import('node:fs'), gitdir: string, rootTree: string) {
    const cache = {};
    // The store as it is now (the commit is fetched): loose objects and packs listed once.
    const fast = { fs: objectStoreFs(gitdir), gitdir, cache };
    // Should an object be missing from that snapshot (a concurrent fetch), ask the disk itself.
    const plain = { fs: fsModule as unknown as typeof fs, gitdir, cache };
    const read = async <T>(fn: (o: typeof plain) => Promise<T>): Promise<T> => fn(fast).catch(() => fn(plain));
    super(
      {
        readTree: async (oid) => (await read((o) => git.readTree({ ...o, oid }))).tree,
        readBlob: async (oid) => (await read((o) => git.readBlob({ ...o, oid }))).blob,
      },
      rootTree,
    );
  }
}

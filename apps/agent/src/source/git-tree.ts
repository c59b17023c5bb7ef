/**
 * The RepoTree of one commit in the agent's isomorphic-git object store: libs/gitops'
 * ObjectStoreTree (tree walking, symlinks and submodules reported, never followed) reading tree
 * and blob objects straight from the packs — no checkout.
 */
import { ObjectStoreTree } from '@flotilla/gitops';
import git from 'isomorphic-git';
import type * as fs from 'node:fs';

export class GitTree extends ObjectStoreTree {
  constructor(fsModule: typeof import('node:fs'), gitdir: string, rootTree: string) {
    const cache = {};
    const opts = { fs: fsModule as unknown as typeof fs, gitdir, cache };
    super(
      {
        readTree: async (oid) => (await git.readTree({ ...opts, oid })).tree,
        readBlob: async (oid) => (await git.readBlob({ ...opts, oid })).blob,
      },
      rootTree,
    );
  }
}

/**
 * The RepoTree of one commit in the agent's object store: libs/gitops' ObjectStoreTree (tree
 * walking, symlinks and submodules reported, never followed) reading tree and blob objects
 * straight from the packs (object-reader.ts) — no checkout.
 */
import { ObjectStoreTree } from '@flotilla/gitops';
import { GitObjectReader, parseTree, type GitObjectType } from './object-reader.js';

export class GitTree extends ObjectStoreTree {
  constructor(gitdir: string, rootTree: string) {
    const reader = new GitObjectReader(gitdir);
    const read = async (oid: string, type: GitObjectType) => {
      const o = await reader.read(oid);
      if (o.type !== type) throw new Error(`object ${oid} is a ${o.type}, not a ${type}`);
      return o.content;
    };
    super(
      { readTree: async (oid) => parseTree(await read(oid, 'tree')), readBlob: (oid) => read(oid, 'blob') },
      rootTree,
    );
  }
}

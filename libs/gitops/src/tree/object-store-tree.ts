/**
 * A RepoTree over one commit of a Git object store, with the store behind two callbacks (read a
 * tree object, read a blob) so the walking logic stays pure: the agent and the control plane
 * each pass isomorphic-git's readTree/readBlob. Tree objects are memoized per oid. Mode 120000
 * is a symlink and a 'commit' entry a submodule: reported as such, never followed.
 */
import type { RepoTree, TreeEntry } from './repo-tree.js';

export interface GitTreeEntry {
  path: string;
  mode: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

export interface ObjectStoreReader {
  readTree(oid: string): Promise<readonly GitTreeEntry[]>;
  readBlob(oid: string): Promise<Uint8Array>;
}

type Entry = Omit<GitTreeEntry, 'path'>;

export class ObjectStoreTree implements RepoTree {
  private readonly trees = new Map<string, Promise<Map<string, Entry>>>();

  constructor(
    private readonly store: ObjectStoreReader,
    /** The commit's root tree oid. */
    private readonly rootTree: string,
  ) {}

  private dir(oid: string): Promise<Map<string, Entry>> {
    let p = this.trees.get(oid);
    if (!p) {
      p = this.store
        .readTree(oid)
        .then((tree) => new Map(tree.map((e) => [e.path, { mode: e.mode, oid: e.oid, type: e.type }])));
      this.trees.set(oid, p);
    }
    return p;
  }

  private async lookup(path: string): Promise<Entry | undefined> {
    let current: Entry = { mode: '040000', oid: this.rootTree, type: 'tree' };
    for (const name of path.split('/').filter((p) => p !== '')) {
      if (current.type !== 'tree') return undefined;
      const next = (await this.dir(current.oid)).get(name);
      if (!next) return undefined;
      current = next;
    }
    return current;
  }

  /** The object id at `path` (blob or tree), or undefined: equal ids mean equal content. */
  async oidOf(path: string): Promise<string | undefined> {
    return (await this.lookup(path))?.oid;
  }

  async entry(path: string): Promise<TreeEntry | undefined> {
    const e = await this.lookup(path);
    if (!e) return undefined;
    if (e.mode === '120000') return { type: 'symlink' };
    if (e.type === 'commit') return { type: 'submodule' };
    return { type: e.type === 'tree' ? 'dir' : 'file' };
  }

  async readFile(path: string): Promise<Uint8Array> {
    const e = await this.lookup(path);
    if (!e || e.type !== 'blob' || e.mode === '120000') throw new Error(`not a file in the commit: ${path}`);
    return this.store.readBlob(e.oid);
  }

  async readDir(path: string): Promise<string[]> {
    const e = await this.lookup(path);
    if (!e || e.type !== 'tree') throw new Error(`not a directory in the commit: ${path}`);
    return [...(await this.dir(e.oid)).keys()];
  }
}

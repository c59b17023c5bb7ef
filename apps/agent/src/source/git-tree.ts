/**
 * A RepoTree over one commit in isomorphic-git's object store: paths resolve by walking tree
 * objects (memoized per tree oid), files are blobs read straight from the packs — no checkout.
 * Mode 120000 is a symlink and 160000 a submodule: reported as such, never followed
 * (libs/gitops refuses them).
 */
import type { RepoTree, TreeEntry } from '@flotilla/gitops';
import git from 'isomorphic-git';
import type * as fs from 'node:fs';

interface GitEntry {
  mode: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

export class GitTree implements RepoTree {
  private readonly trees = new Map<string, Promise<Map<string, GitEntry>>>();
  private readonly cache = {};

  constructor(
    private readonly fs: typeof import('node:fs'),
    private readonly gitdir: string,
    private readonly rootTree: string,
  ) {}

  private dir(oid: string): Promise<Map<string, GitEntry>> {
    let p = this.trees.get(oid);
    if (!p) {
      p = git.readTree({ fs: this.fs as unknown as typeof fs, gitdir: this.gitdir, oid, cache: this.cache }).then(({ tree }) => new Map(tree.map((e) => [e.path, { mode: e.mode, oid: e.oid, type: e.type }])));
      this.trees.set(oid, p);
    }
    return p;
  }

  private async lookup(path: string): Promise<GitEntry | undefined> {
    let current: GitEntry = { mode: '040000', oid: this.rootTree, type: 'tree' };
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
    const { blob } = await git.readBlob({ fs: this.fs as unknown as typeof fs, gitdir: this.gitdir, oid: e.oid, cache: this.cache });
    return blob;
  }

  async readDir(path: string): Promise<string[]> {
    const e = await this.lookup(path);
    if (!e || e.type !== 'tree') throw new Error(`not a directory in the commit: ${path}`);
    return [...(await this.dir(e.oid)).keys()];
  }
}

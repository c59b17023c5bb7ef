/** Test helper: a RepoTree over a real directory (lstat, so symlinks are reported, not followed). */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepoTree, TreeEntry } from '../src/index.js';

export class FsTree implements RepoTree {
  constructor(private readonly root: string) {}

  private abs(path: string): string {
    return path === '' ? this.root : join(this.root, ...path.split('/'));
  }

  async entry(path: string): Promise<TreeEntry | undefined> {
    try {
      const st = await lstat(this.abs(path));
      if (st.isSymbolicLink()) return { type: 'symlink' };
      if (st.isDirectory()) return { type: 'dir' };
      return { type: 'file', size: st.size };
    } catch {
      return undefined;
    }
  }

  async readFile(path: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.abs(path)));
  }

  async readDir(path: string): Promise<string[]> {
    return readdir(this.abs(path));
  }
}

/**
 * The read-only view of a repository the renderer reads through. Paths are relative to the repo
 * root, '/'-separated, without a leading slash ('' is the root). Backed by isomorphic-git's object
 * store in the agent, by a Map in tests: the renderer itself does no I/O.
 */

export type TreeEntryType = 'file' | 'dir' | 'symlink' | 'submodule';

export interface TreeEntry {
  type: TreeEntryType;
  /** Byte size, for files (lets the renderer refuse oversized files before reading them). */
  size?: number;
}

export interface RepoTree {
  /** The entry at `path` itself (a symlink is reported as 'symlink', never followed), or undefined. */
  entry(path: string): Promise<TreeEntry | undefined>;
  readFile(path: string): Promise<Uint8Array>;
  /** Names (not paths) of the entries of a directory. */
  readDir(path: string): Promise<string[]>;
}

export type MemoryTreeEntry = string | Uint8Array | { symlink: string } | { submodule: true };

/** An in-memory RepoTree over `{ 'path/to/file.yaml': content }`; directories are implied. */
export class MemoryTree implements RepoTree {
  private readonly files = new Map<string, MemoryTreeEntry>();
  private readonly dirs = new Map<string, Set<string>>([['', new Set()]]);

  constructor(entries: Record<string, MemoryTreeEntry>) {
    for (const [path, content] of Object.entries(entries)) this.add(path, content);
  }

  private add(path: string, content: MemoryTreeEntry): void {
    const parts = path.split('/').filter((p) => p !== '');
    const full = parts.join('/');
    this.files.set(full, content);
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const child = parts[i] as string;
      if (!this.dirs.has(parent)) this.dirs.set(parent, new Set());
      this.dirs.get(parent)?.add(child);
    }
  }

  async entry(path: string): Promise<TreeEntry | undefined> {
    const content = this.files.get(path);
    if (content === undefined) return this.dirs.has(path) ? { type: 'dir' } : undefined;
    if (typeof content === 'string') return { type: 'file', size: Buffer.byteLength(content) };
    if (content instanceof Uint8Array) return { type: 'file', size: content.byteLength };
    return { type: 'symlink' in content ? 'symlink' : 'submodule' };
  }

  async readFile(path: string): Promise<Uint8Array> {
    const content = this.files.get(path);
    if (typeof content === 'string') return new TextEncoder().encode(content);
    if (content instanceof Uint8Array) return content;
    throw new Error(`not a file: ${path}`);
  }

  async readDir(path: string): Promise<string[]> {
    const names = this.dirs.get(path);
    if (!names) throw new Error(`not a directory: ${path}`);
    return [...names];
  }
}

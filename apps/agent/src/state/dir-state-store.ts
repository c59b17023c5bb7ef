/** StateStore in a directory: one file per key, 0600 in a 0700 directory, replaced atomically. */
import { readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writePrivateFile } from '../registration/private-file.js';
import type { StateStore } from './state-store.js';

export class DirStateStore implements StateStore {
  constructor(readonly dir: string) {}

  describe(key: string): string {
    return join(this.dir, key);
  }

  discardHint(key: string): string {
    return `move ${this.describe(key)} away`;
  }

  async read(key: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.dir, key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  write(key: string, text: string): Promise<void> {
    return writePrivateFile(join(this.dir, key), text);
  }

  async remove(key: string): Promise<void> {
    await unlink(join(this.dir, key)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  async isExposed(key: string): Promise<boolean> {
    return ((await stat(join(this.dir, key))).mode & 0o077) !== 0;
  }
}

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitTree } from './git-tree.js';
import { objectStoreFs } from './object-store-fs.js';

describe('objectStoreFs', () => {
  let gitdir: string;
  beforeEach(async () => {
    gitdir = await mkdtemp(join(tmpdir(), 'flotilla-objfs-'));
    await git.init({ fs, gitdir, bare: true });
  });
  afterEach(() => rm(gitdir, { recursive: true, force: true }));

  const blob = (text: string) => git.writeBlob({ fs, gitdir, blob: Buffer.from(text) });

  it('reads loose objects, and answers ENOENT for others without opening a file', async () => {
    const oid = await blob('kind: ConfigMap\n');
    const view = objectStoreFs(gitdir);
    const [dir, rest] = [oid.slice(0, 2), oid.slice(2)];
    await expect(view.promises.readFile(join(gitdir, 'objects', dir, rest))).resolves.toBeInstanceOf(Buffer);
    const missing = join(gitdir, 'objects', 'ab', 'c'.repeat(38));
    await expect(view.promises.readFile(missing)).rejects.toMatchObject({ code: 'ENOENT', path: missing });
    expect((await git.readBlob({ fs: view, gitdir, oid })).blob).toEqual(new Uint8Array(Buffer.from('kind: ConfigMap\n')));
  });

  it('lists the pack directory once', async () => {
    await fs.promises.mkdir(join(gitdir, 'objects', 'pack'), { recursive: true });
    const view = objectStoreFs(gitdir);
    expect(await view.promises.readdir(join(gitdir, 'objects', 'pack'))).toEqual([]);
    await fs.promises.writeFile(join(gitdir, 'objects', 'pack', 'pack-x.idx'), '');
    expect(await view.promises.readdir(join(gitdir, 'objects', 'pack'))).toEqual([]);
    expect(await readdir(join(gitdir, 'objects', 'pack'))).toEqual(['pack-x.idx']);
  });

  it("fails isomorphic-git's path-less probe with ENOENT, and stats the gitdir once", async () => {
    const view = objectStoreFs(gitdir);
    await expect((view.promises.readFile as (p?: string) => Promise<Buffer>)()).rejects.toMatchObject({ code: 'ENOENT' });
    const first = view.promises.stat(gitdir);
    expect(view.promises.stat(gitdir)).toBe(first);
    expect((await first).isDirectory()).toBe(true);
    expect(view.promises.stat(join(gitdir, 'objects'))).not.toBe(view.promises.stat(join(gitdir, 'objects')));
  });

  it('GitTree still finds an object written after its view listed the store', async () => {
    const { oid: later } = await git.hashBlob({ object: Buffer.from('b: 2\n') });
    const tree = await git.writeTree({ fs, gitdir, tree: [{ mode: '100644', path: 'b.yaml', oid: later, type: 'blob' }] });
    const view = new GitTree(fs, gitdir, tree);
    expect(await view.readDir('')).toEqual(['b.yaml']); // the view has listed the loose objects now
    await blob('b: 2\n');
    expect(await view.readFile('b.yaml')).toEqual(new Uint8Array(Buffer.from('b: 2\n')));
  });
});

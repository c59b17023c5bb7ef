/**
 * A read view of one bare object store for isomorphic-git, made for rendering a commit that is
 * already fetched: isomorphic-git looks every object up as a loose file first (a failed open
 * and an ENOENT error per object) and lists the pack directory again for each one. Here the
 * loose objects and the pack list are read once, when first needed; a lookup of an object that
 * is not loose answers ENOENT without touching the disk. isomorphic-git also probes its fs on
 * every call (a readFile without a path, expected to fail) and stats the gitdir (is it a
 * `.git` file?): the probe fails at once with one prepared error, and the gitdir's stat is
 * taken once. Everything else is node:fs.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';

const COMMANDS = ['readFile', 'writeFile', 'mkdir', 'rmdir', 'unlink', 'stat', 'lstat', 'readdir', 'readlink', 'symlink'] as const;
const LOOSE = /[\\/]objects[\\/]([0-9a-f]{2})[\\/]([0-9a-f]{38})$/;

function enoent(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT', errno: -2, syscall: 'open', path });
}

export function objectStoreFs(gitdir: string): typeof fs {
  const base = fs.promises;
  const objects = join(gitdir, 'objects');
  const packDir = join(objects, 'pack');
  let loose: Promise<Set<string>> | undefined;
  let packs: Promise<string[]> | undefined;
  const listLoose = async () => {
    const names = new Set<string>();
    for (const dir of await base.readdir(objects).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const rest of await base.readdir(join(objects, dir)).catch(() => [] as string[])) names.add(dir + rest);
    }
    return names;
  };
  let gitdirStat: Promise<fs.Stats> | undefined;
  const probe = Object.assign(new Error('ENOENT: no path'), { code: 'ENOENT' });
  const promises: Record<string, unknown> = {};
  for (const c of COMMANDS) promises[c] = (base[c] as (...a: unknown[]) => unknown).bind(base);
  promises.readFile = async (path: string | undefined, options?: unknown) => {
    if (path === undefined) throw probe;
    const m = LOOSE.exec(path);
    if (m && !(await (loose ??= listLoose())).has(m[1]! + m[2]!)) throw enoent(path);
    return base.readFile(path, options as undefined);
  };
  promises.readdir = async (path: string, options?: unknown) => {
    if (path === packDir && options === undefined) return [...(await (packs ??= base.readdir(packDir).catch(() => [])))];
    return base.readdir(path, options as undefined);
  };
  promises.stat = (path: string, options?: unknown) => (path === gitdir && options === undefined ? (gitdirStat ??= base.stat(gitdir)) : base.stat(path, options as undefined));
  // isomorphic-git takes `promises` when it is an enumerable own property.
  return { promises } as unknown as typeof fs;
}

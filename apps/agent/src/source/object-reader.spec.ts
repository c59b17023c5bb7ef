import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
  symlinkSync,
  chmodSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitTree } from './git-tree.js';
import { deflateSync } from 'node:zlib';
import { GitObjectReader, ObjectFormatError, applyDelta, inflateExactly, parseTree } from './object-reader.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
};
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });

/** A work tree with five commits of similar files (so packing makes deltas), a symlink, an executable and a submodule entry. */
function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'object-reader-'));
  dirs.push(dir);
  git(dir, 'init', '-q', '-b', 'main');
  const doc = (i: number, v: number) =>
    Array.from(
      { length: 60 },
      (_, n) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm-${i}-${n} }\ndata: { key: "v${n === 7 ? v : 1}" }\n`,
    ).join('---\n');
  for (let v = 1; v <= 5; v++) {
    mkdirSync(join(dir, 'clusters', 'edge', 'apps'), { recursive: true });
    for (let i = 0; i < 6; i++) writeFileSync(join(dir, 'clusters', 'edge', 'apps', `f-${i}.yaml`), doc(i, v + i));
    writeFileSync(join(dir, 'clusters', 'edge', 'ünïcode name.yaml'), `v: ${v}\n`);
    if (v === 1) {
      symlinkSync('apps/f-0.yaml', join(dir, 'clusters', 'edge', 'link.yaml'));
      writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
      chmodSync(join(dir, 'run.sh'), 0o755);
    }
    git(dir, 'add', '-A');
    git(dir, 'update-index', '--add', '--cacheinfo', `160000,${'ab'.repeat(20)},vendor/sub`);
    git(dir, 'commit', '-q', '-m', `v${v}`);
  }
  return dir;
}

/** Every object git holds, with its type and content as `git cat-file` gives them. */
function allObjects(dir: string): Array<{ oid: string; type: string; content: Buffer }> {
  const list = git(dir, 'cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype)')
    .toString()
    .trim()
    .split('\n');
  return list.map((line) => {
    const [oid, type] = line.split(' ') as [string, string];
    return { oid, type, content: git(dir, 'cat-file', type, oid) };
  });
}

async function expectSameAsGit(dir: string): Promise<number> {
  const reader = new GitObjectReader(join(dir, '.git'));
  const objects = allObjects(dir);
  for (const o of objects) {
    const got = await reader.read(o.oid);
    expect({ oid: o.oid, type: got.type, same: got.content.equals(o.content) }).toEqual({
      oid: o.oid,
      type: o.type,
      same: true,
    });
  }
  return objects.length;
}

/** How many objects of the packs are stored as deltas (from `git verify-pack`). */
function deltaCount(dir: string): number {
  const packDir = join(dir, '.git', 'objects', 'pack');
  return readdirSync(packDir)
    .filter((n) => n.endsWith('.idx'))
    .flatMap((n) => git(dir, 'verify-pack', '-v', join(packDir, n)).toString().split('\n'))
    .filter((l) => /^[0-9a-f]{40} (blob|tree|commit|tag)\s+\d+ \d+ \d+ \d+ [0-9a-f]{40}$/.test(l)).length;
}

describe('GitObjectReader', () => {
  it('reads loose objects as git does', async () => {
    const dir = repo();
    expect(await expectSameAsGit(dir)).toBeGreaterThan(30);
  });

  it('reads a pack with offset deltas as git does', async () => {
    const dir = repo();
    git(dir, 'repack', '-adf', '-q', '--window=50', '--depth=50');
    expect(deltaCount(dir)).toBeGreaterThan(5);
    await expectSameAsGit(dir);
  });

  it('reads a pack with reference deltas as git does', async () => {
    const dir = repo();
    git(dir, '-c', 'repack.useDeltaBaseOffset=false', 'repack', '-adf', '-q', '--window=50', '--depth=50');
    expect(deltaCount(dir)).toBeGreaterThan(5);
    await expectSameAsGit(dir);
  });

  it('finds objects written after it first listed the store, and names one it cannot find', async () => {
    const dir = repo();
    const reader = new GitObjectReader(join(dir, '.git'));
    await reader.read(git(dir, 'rev-parse', 'HEAD').toString().trim());
    writeFileSync(join(dir, 'later.txt'), 'later\n');
    const later = git(dir, 'hash-object', '-w', 'later.txt').toString().trim();
    expect((await reader.read(later)).content.toString()).toBe('later\n');
    await expect(reader.read('0'.repeat(40))).rejects.toMatchObject({
      message: `object ${'0'.repeat(40)} is not in the store`,
      code: 'NotFoundError',
    });
    await expect(reader.read('HEAD')).rejects.toThrow(ObjectFormatError);
  });

  it('refuses a loose object whose content does not hash to its name', async () => {
    const dir = repo();
    const objects = join(dir, '.git', 'objects');
    writeFileSync(join(dir, 'a.txt'), 'the real content\n');
    writeFileSync(join(dir, 'b.txt'), 'something else\n');
    const a = git(dir, 'hash-object', '-w', 'a.txt').toString().trim();
    const b = git(dir, 'hash-object', '-w', 'b.txt').toString().trim();
    const pathOf = (oid: string) => join(objects, oid.slice(0, 2), oid.slice(2));
    rmSync(pathOf(a));
    writeFileSync(pathOf(a), readFileSync(pathOf(b)));
    await expect(new GitObjectReader(join(dir, '.git')).read(a)).rejects.toThrow(/does not hash to its name/);
  });

  it('stops inflating a loose object at the size its header declares', async () => {
    const dir = repo();
    const objects = join(dir, '.git', 'objects');
    const put = (oid: string, bytes: Buffer) => {
      mkdirSync(join(objects, oid.slice(0, 2)), { recursive: true });
      writeFileSync(join(objects, oid.slice(0, 2), oid.slice(2)), bytes);
    };
    // A header declaring 5 bytes before 64 MiB of zeros: cut off at 5 + its header, never inflated in full.
    const bomb = '1'.repeat(40);
    put(bomb, deflateSync(Buffer.concat([Buffer.from('blob 5\0'), Buffer.alloc(64 * 1024 * 1024)])));
    const reader = new GitObjectReader(join(dir, '.git'));
    await expect(reader.read(bomb)).rejects.toThrow(
      new RegExp(`loose object ${bomb} inflates past its declared 12 bytes`),
    );
    const huge = '2'.repeat(40);
    put(huge, deflateSync(Buffer.from('blob 999999999999\0')));
    await expect(reader.read(huge)).rejects.toThrow(/declares 999999999999 bytes, over/);
    const headless = '3'.repeat(40);
    put(headless, deflateSync(Buffer.alloc(4096, 'a')));
    await expect(reader.read(headless)).rejects.toThrow(/has no valid header/);
    // A real object stored uncompressed (zlib level 0) still reads.
    const content = Buffer.from('hello, loose object\n');
    const raw = Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]);
    const oid = createHash('sha1').update(raw).digest('hex');
    put(oid, deflateSync(raw, { level: 0 }));
    expect((await new GitObjectReader(join(dir, '.git')).read(oid)).content.toString()).toBe(content.toString());
  });

  it('stops inflating a pack entry at the size its header declares', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'big.txt'), 'x'.repeat(1000));
    const oid = git(dir, 'hash-object', '-w', 'big.txt').toString().trim();
    const pack = join(dir, 'p');
    const name = execFileSync('git', ['pack-objects', '-q', pack], { cwd: dir, input: `${oid}\n` })
      .toString()
      .trim();
    const packFile = `${pack}-${name}.pack`;
    const bytes = readFileSync(packFile);
    // The one entry starts after the 12-byte header: type 3 (blob), size 1000 = 0b1111101000.
    expect([bytes[12]! & 0x70, bytes[12]! & 0x0f]).toEqual([0x30, 1000 & 0x0f]);
    bytes[12] = bytes[12]! & 0xf0; // declares 992 bytes
    const packDir = join(dir, '.git', 'objects', 'pack');
    rmSync(join(dir, '.git', 'objects', oid.slice(0, 2)), { recursive: true });
    writeFileSync(join(packDir, `pack-${name}.pack`), bytes);
    writeFileSync(join(packDir, `pack-${name}.idx`), readFileSync(`${pack}-${name}.idx`));
    await expect(new GitObjectReader(join(dir, '.git')).read(oid)).rejects.toThrow(
      /inflates past its declared 992 bytes/,
    );
  });

  it('inflateExactly cuts a zlib bomb off at the declared size', () => {
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(128 * 1024);
    expect(() => inflateExactly(bomb, 100, 'the bomb')).toThrow(/the bomb inflates past its declared 100 bytes/);
    expect(() => inflateExactly(deflateSync(Buffer.from('short')), 10, 'x')).toThrow(
      /inflates to 5 bytes, not its declared 10/,
    );
    expect(inflateExactly(deflateSync(Buffer.alloc(0)), 0, 'empty').length).toBe(0);
  });

  it('refuses a damaged pack index', async () => {
    const dir = repo();
    git(dir, 'repack', '-adf', '-q');
    const packDir = join(dir, '.git', 'objects', 'pack');
    writeFileSync(
      join(
        packDir,
        readdirSync(packDir).find((n) => n.endsWith('.idx'))!,
      ),
      Buffer.from('not an index'),
    );
    await expect(new GitObjectReader(join(dir, '.git')).read('0'.repeat(40))).rejects.toThrow(
      /is not a version 2 pack index/,
    );
  });
});

describe('parseTree', () => {
  it('gives the entries git ls-tree lists, with six-digit modes', async () => {
    const dir = repo();
    const reader = new GitObjectReader(join(dir, '.git'));
    for (const path of ['', 'clusters/edge']) {
      const oid = git(dir, 'rev-parse', `HEAD:${path}`).toString().trim();
      const expected = git(dir, '-c', 'core.quotePath=false', 'ls-tree', oid)
        .toString()
        .trim()
        .split('\n')
        .map((l) => {
          const [meta, name] = l.split('\t') as [string, string];
          const [mode, type, id] = meta.split(' ') as [string, string, string];
          return { path: name, mode, oid: id, type };
        });
      expect(parseTree((await reader.read(oid)).content)).toEqual(expected);
    }
  });

  it('refuses a truncated tree', () => {
    expect(() => parseTree(Buffer.from('100644 a.yaml\0short'))).toThrow(/truncated/);
  });
});

describe('applyDelta', () => {
  it('copies and inserts, and refuses a delta that does not fit its base', () => {
    const base = Buffer.from('hello world');
    // base size 11, result size 11: copy 6 bytes from 0, insert "there"
    const delta = Buffer.from([11, 11, 0x90, 6, 5, ...Buffer.from('there')]);
    expect(applyDelta(base, delta).toString()).toBe('hello there');
    expect(() => applyDelta(Buffer.from('short'), delta)).toThrow(/expects a base of 11 bytes/);
    expect(() => applyDelta(base, Buffer.from([11, 11, 0x91, 8, 6]))).toThrow(/copies outside/);
    expect(() => applyDelta(base, Buffer.from([11, 11, 0]))).toThrow(/zero opcode/);
  });
});

describe('GitTree', () => {
  it('walks a commit: files, directories, symlinks and submodules told apart', async () => {
    const dir = repo();
    git(dir, 'repack', '-adf', '-q');
    const tree = new GitTree(join(dir, '.git'), git(dir, 'rev-parse', 'HEAD^{tree}').toString().trim());
    expect(await tree.readDir('clusters/edge')).toEqual(['apps', 'link.yaml', 'ünïcode name.yaml']);
    expect(Buffer.from(await tree.readFile('clusters/edge/ünïcode name.yaml')).toString()).toBe('v: 5\n');
    expect(await tree.entry('clusters/edge/link.yaml')).toEqual({ type: 'symlink' });
    expect(await tree.entry('vendor/sub')).toEqual({ type: 'submodule' });
    expect(await tree.entry('run.sh')).toEqual({ type: 'file' });
    await expect(tree.readFile('clusters/edge/link.yaml')).rejects.toThrow(/not a file/);
  });
});

// Strategic merge patch fixtures (fixtures/strategic/*.yaml) and JSON / merge patch rules.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KubeError } from './errors.js';
import { jsonPatch, mergePatch } from './patch.js';
import { strategicPatch } from './strategic.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'strategic');

describe('strategic merge patch fixtures', () => {
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const fx = parse(readFileSync(join(dir, file), 'utf8'));
    it(fx.name, () => {
      expect(strategicPatch(fx.live, fx.patch, fx.builtin)).toEqual(fx.expect);
    });
  }
});

describe('JSON merge patch', () => {
  it('merges maps, replaces lists and deletes on null', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [3] })).toEqual({
      a: { b: 1, d: 3 },
      l: [3],
    });
  });
});

describe('JSON patch', () => {
  const doc = { data: { a: '1' }, list: ['x', 'y'] };

  it('applies add, replace, remove, move, copy and test in order without touching the input', () => {
    const out = jsonPatch(doc, [
      { op: 'add', path: '/data/b', value: '2' },
      { op: 'replace', path: '/data/a', value: 'one' },
      { op: 'remove', path: '/list/0' },
      { op: 'add', path: '/list/-', value: 'z' },
      { op: 'copy', from: '/data/b', path: '/data/c' },
      { op: 'move', from: '/data/c', path: '/data/d' },
      { op: 'test', path: '/data/d', value: '2' },
    ]);
    expect(out).toEqual({ data: { a: 'one', b: '2', d: '2' }, list: ['y', 'z'] });
    expect(doc).toEqual({ data: { a: '1' }, list: ['x', 'y'] });
  });

  it('rejects a failed test and a missing path with 422', () => {
    for (const ops of [
      [{ op: 'test', path: '/data/a', value: 'nope' }],
      [{ op: 'replace', path: '/missing/x', value: 1 }],
    ]) {
      let err: unknown;
      try {
        jsonPatch(doc, ops);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KubeError);
      expect((err as KubeError).code).toBe(422);
    }
  });
});

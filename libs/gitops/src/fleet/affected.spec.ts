import { describe, expect, it } from 'vitest';
import { MemoryTree } from '../tree/repo-tree.js';
import { computeAffected } from './affected.js';

const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: app\ndata:\n  v: "${value}"\n`;
const kust = (base: string, extra = '') => `resources:\n  - ../../bases/${base}\n${extra}`;

function repo(webValue: string, dbValue: string, more: Record<string, string> = {}): MemoryTree {
  return new MemoryTree({
    'bases/web/cm.yaml': cm('web', webValue),
    'bases/web/kustomization.yaml': 'resources:\n  - cm.yaml\n',
    'bases/db/cm.yaml': cm('db', dbValue),
    'bases/db/kustomization.yaml': 'resources:\n  - cm.yaml\n',
    'clusters/a/kustomization.yaml': kust('web'),
    'clusters/b/kustomization.yaml': kust('web'),
    'clusters/c/kustomization.yaml': kust('db'),
    'clusters/d/plain.yaml': cm('own', '1'),
    ...more,
  });
}

describe('affected clusters', () => {
  const trees: Record<string, MemoryTree> = {
    r1: repo('1', '1'),
    r2: repo('2', '1'), // shared web base changed
    r3: repo('2', '1', { 'README.md': 'docs only' }),
    r4: repo('2', '1', { 'clusters/d/plain.yaml': '  not: [valid' }),
  };
  const clusters = ['a', 'b', 'c', 'd'].map((n) => ({ id: n, path: `clusters/${n}`, revision: 'r1' }));
  let renders = 0;
  const treeAt = (rev: string) => {
    renders++;
    const t = trees[rev];
    if (!t) throw new Error(`no tree ${rev}`);
    return t;
  };

  it('marks every cluster built from a changed shared base, and only those', async () => {
    const r = await computeAffected({ clusters, target: 'r2', treeAt });
    expect(r.affected).toEqual(['a', 'b']);
    expect(r.unaffected).toEqual(['c', 'd']);
    expect(Object.keys(r.targetDigests)).toEqual(['a', 'b']);
    expect(r.targetDigests['a']).toBe(r.targetDigests['b']);
  });

  it('treats a commit that changes no rendered manifest as affecting nobody', async () => {
    const r = await computeAffected({
      clusters: clusters.map((c) => ({ ...c, revision: 'r2' })),
      target: 'r3',
      treeAt,
    });
    expect(r.affected).toEqual([]);
  });

  it('compares each cluster against the revision it runs, which may differ per cluster', async () => {
    const mixed = [
      { id: 'a', path: 'clusters/a', revision: 'r2' },
      { id: 'b', path: 'clusters/b', revision: 'r1' },
      { id: 'new', path: 'clusters/c' },
    ];
    const r = await computeAffected({ clusters: mixed, target: 'r3', treeAt });
    expect(r.affected).toEqual(['b', 'new']);
    expect(r.unaffected).toEqual(['a']);
  });

  it('counts a path that stops rendering as affected, with the error as its digest', async () => {
    const r = await computeAffected({ clusters, target: 'r4', treeAt });
    expect(r.affected).toEqual(['a', 'b', 'd']);
    expect(r.targetDigests['d']).toMatch(/^error:INVALID_YAML:/);
  });

  it('opens each revision once however many clusters share it', async () => {
    renders = 0;
    await computeAffected({ clusters, target: 'r2', treeAt });
    expect(renders).toBe(2);
  });

  describe('with the changed paths between revisions', () => {
    const changedPaths = async (from: string, to: string): Promise<string[]> => {
      const a = trees[from]!;
      const b = trees[to]!;
      const all = new Set<string>();
      const walk = async (t: MemoryTree, dir: string): Promise<void> => {
        for (const name of await t.readDir(dir)) {
          const p = dir ? `${dir}/${name}` : name;
          if ((await t.entry(p))?.type === 'dir') await walk(t, p);
          else all.add(p);
        }
      };
      await walk(a, '');
      await walk(b, '');
      const out: string[] = [];
      for (const p of all) {
        const x = (await a.entry(p)) ? new TextDecoder().decode(await a.readFile(p)) : undefined;
        const y = (await b.entry(p)) ? new TextDecoder().decode(await b.readFile(p)) : undefined;
        if (x !== y) out.push(p);
      }
      return out;
    };

    it('gives the same answer without rendering the new revision for clusters the change cannot reach', async () => {
      const memo = new Map();
      const r = await computeAffected({ clusters, target: 'r2', treeAt, changedPaths, memo });
      expect(r.affected).toEqual(['a', 'b']);
      expect(r.unaffected).toEqual(['c', 'd']);
      const rendered = [...memo.keys()].filter((k: string) => k.startsWith('r2\u0000'));
      expect(rendered.sort()).toEqual([
        'r2\u0000clusters/a',
        'r2\u0000clusters/b',
        'r2\u0000clusters/c',
        'r2\u0000clusters/d',
      ]);
      // c and d were answered from their r1 render (no r2 render ran): same summary object
      expect(await memo.get('r2\u0000clusters/c')).toBe(await memo.get('r1\u0000clusters/c'));
    });

    it('still catches a new file under a plain cluster path, and re-renders (not guesses) near misses', async () => {
      // d renders its plain directory: the new file is in it. bases/db/extra.yaml sits beside a file c
      // reads, so c is rendered again — and stays unaffected, because its kustomization does not list it.
      trees['r5'] = repo('1', '1', {
        'clusters/d/more.yaml': cm('more', '1'),
        'bases/db/extra.yaml': cm('extra', '1'),
      });
      const memo = new Map();
      const r = await computeAffected({ clusters, target: 'r5', treeAt, changedPaths, memo });
      expect(r.affected).toEqual(['d']);
      expect(r.unaffected).toEqual(['a', 'b', 'c']);
      expect(await memo.get('r5\u0000clusters/c')).not.toBe(await memo.get('r1\u0000clusters/c'));
      expect(await memo.get('r5\u0000clusters/a')).toBe(await memo.get('r1\u0000clusters/a'));
    });
  });
});

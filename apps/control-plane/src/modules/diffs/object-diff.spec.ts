import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@flotilla/gitops';
import { diffObjects, stableYaml } from './object-diff.js';

const cm = (name: string, data: Record<string, string>, ns = 'web'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data,
});

describe('diffObjects', () => {
  it('leaves out objects whose content is equal even when key order differs', () => {
    const a = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { namespace: 'web', name: 'x' },
      data: { b: '2', a: '1' },
    };
    expect(diffObjects([a], [cm('x', { a: '1', b: '2' })])).toEqual([]);
  });

  it('reports a changed value as a unified diff of sorted-key YAML', () => {
    const [c] = diffObjects([cm('x', { color: 'blue', size: 'L' })], [cm('x', { color: 'red', size: 'L' })]);
    expect(c).toMatchObject({ kind: 'ConfigMap', namespace: 'web', name: 'x', change: 'CHANGED' });
    expect(c!.diff).toContain('--- a/ConfigMap/web/x\n+++ b/ConfigMap/web/x\n');
    expect(c!.diff).toContain('-  color: blue\n+  color: red\n');
    expect(c!.diff).toContain('   size: L\n');
  });

  it('reports added and removed objects with every line on one side, sorted by kind then name', () => {
    const out = diffObjects(
      [cm('old', { a: '1' })],
      [cm('new', { a: '1' }), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } }],
    );
    expect(out.map((c) => [c.kind, c.name, c.change])).toEqual([
      ['ConfigMap', 'new', 'ADDED'],
      ['ConfigMap', 'old', 'REMOVED'],
      ['Namespace', 'web', 'ADDED'],
    ]);
    expect(out[0]!.diff).toMatch(/\+kind: ConfigMap\n/);
    expect(out[1]!.diff).toMatch(/-kind: ConfigMap\n/);
    expect(out[2]!.namespace).toBeNull();
  });

  it('never shows Secret values, only that they changed', () => {
    const secret = (v: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'web' },
      data: { password: v },
    });
    expect(diffObjects([secret('b2xk')], [secret('b2xk')])).toEqual([]);
    const [changed] = diffObjects([secret('b2xk')], [secret('bmV3')]);
    expect(changed).toMatchObject({ kind: 'Secret', change: 'CHANGED' });
    expect(changed!.diff).not.toMatch(/b2xk|bmV3/);
    expect(changed!.diff).toContain('# redacted Secret values changed');
    const [added] = diffObjects([], [secret('c2VjcmV0')]);
    expect(added!.diff).not.toContain('c2VjcmV0');
    expect(added!.diff).toContain('password: <redacted>');
  });

  it('prints nested keys sorted', () => {
    expect(
      stableYaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { z: '1', a: '2' } } }),
    ).toBe('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    a: "2"\n    z: "1"\n  name: x\n');
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalJson, objectDigest, renderDigest } from './digest.js';
import type { KubeObject } from './kube-object.js';

const a: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'n' }, data: { x: '1', y: '2' } };
const reordered: KubeObject = { kind: 'ConfigMap', data: { y: '2', x: '1' }, metadata: { namespace: 'n', name: 'a' }, apiVersion: 'v1' };
const b: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b' }, data: { k: 'dg==' } };

describe('digests', () => {
  it('ignore key order but not array order or values', () => {
    expect(canonicalJson(reordered)).toBe(canonicalJson(a));
    expect(objectDigest(reordered)).toBe(objectDigest(a));
    expect(objectDigest({ ...a, data: { x: '1', y: '3' } })).not.toBe(objectDigest(a));
    expect(canonicalJson({ l: [2, 1] })).not.toBe(canonicalJson({ l: [1, 2] }));
  });

  it('digest a render independently of object order', () => {
    expect(renderDigest([a, b])).toBe(renderDigest([b, reordered]));
    expect(renderDigest([a])).not.toBe(renderDigest([a, b]));
  });
});

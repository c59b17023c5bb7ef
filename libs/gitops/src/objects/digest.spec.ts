import { describe, expect, it } from 'vitest';
import { canonicalJson, objectDigest, renderDigest } from './digest.js';
import type { KubeObject } from './kube-object.js';

const a: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'a', namespace: 'n' },
  data: { x: '1', y: '2' },
};
const reordered: KubeObject = {
  kind: 'ConfigMap',
  data: { y: '2', x: '1' },
  metadata: { namespace: 'n', name: 'a' },
  apiVersion: 'v1',
};
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

  it('keep their persisted format: the same bytes and digest as before, for keys in any script and values of every kind', () => {
    const o = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'prod', labels: { 'app.kubernetes.io/name': 'web', é: 'ü' } },
      spec: {
        replicas: 2,
        paused: false,
        list: [1, null, 'x', { b: 1, a: [] }],
        empty: {},
        Zeta: 0.5,
        '10': 'ten',
        '9': 'nine',
      },
    };
    // Pinned: digests are saved in the agent's state dir and compared with the hub's.
    expect(objectDigest(o as KubeObject)).toBe('a9d0fd0b926712fdd83e9f839ef72eb088d7c0406797c98e51ff604df6ffe2aa');
    expect(canonicalJson({ b: undefined, a: [undefined, NaN, -0, 'q"\\'], c: null })).toBe(
      '{"a":[null,null,0,"q\\"\\\\"],"c":null}',
    );
  });
});

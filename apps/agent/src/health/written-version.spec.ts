import type { KubeObject } from '@flotilla/gitops';
import { describe, expect, it } from 'vitest';
import { isAtOrAfter, staleness, writtenVersionOf } from './written-version.js';

const deploy = (rv: string, generation: number, observed?: number): KubeObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', resourceVersion: rv, generation },
    ...(observed === undefined ? {} : { status: { observedGeneration: observed } }),
  }) as KubeObject;

describe('written version', () => {
  it('compares numeric resourceVersions as numbers, not as strings', () => {
    expect(isAtOrAfter('10', '9')).toBe(true);
    expect(isAtOrAfter('9', '10')).toBe(false);
    expect(isAtOrAfter('10', '10')).toBe(true);
    expect(isAtOrAfter('123456789012345678901234', '123456789012345678901233')).toBe(true);
  });

  it('treats an opaque resourceVersion as matching only itself', () => {
    expect(isAtOrAfter('abc', 'abc')).toBe(true);
    expect(isAtOrAfter('abd', 'abc')).toBe(false);
  });

  it('reads the version and generation from the apply answer', () => {
    expect(writtenVersionOf(deploy('42', 3))).toEqual({ resourceVersion: '42', generation: 3 });
    expect(writtenVersionOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } as KubeObject)).toBe(
      undefined,
    );
  });

  it('calls an object stale while the cache holds the version from before the write', () => {
    expect(staleness(deploy('41', 2, 2), { resourceVersion: '42', generation: 3 })).toMatch(/behind 42/);
    expect(staleness(undefined, { resourceVersion: '42' })).toMatch(/not in the watch cache/);
  });

  it('calls an object stale until its controller observed the generation the write produced', () => {
    expect(staleness(deploy('42', 3, 2), { resourceVersion: '42', generation: 3 })).toMatch(/observed generation 2/);
    expect(staleness(deploy('43', 3, 3), { resourceVersion: '42', generation: 3 })).toBeUndefined();
    expect(staleness(deploy('43', 3), { resourceVersion: '42', generation: 3 })).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { defaultFleetPolicy, parseFleetPolicy } from './fleet-policy.js';
import { matchesSelector } from './tag-selector.js';
import { batchSize, planWaves } from './wave-plan.js';

const policy = parseFleetPolicy(
  new TextEncoder().encode(`waves:
  - name: canary
    selector: { allOf: [canary] }
  - name: eu
    selector: { anyOf: [edge-eu], noneOf: [frozen] }
    maxParallel: 2
  - name: rest
    rest: true
    maxParallel: "50%"
    soak: 1m
`),
);
const c = (name: string, ...tags: string[]) => ({ id: `id-${name}`, name, tags });

describe('tag selectors', () => {
  it('needs all of allOf, one of anyOf and none of noneOf', () => {
    expect(matchesSelector(['a', 'b'], { allOf: ['a', 'b'] })).toBe(true);
    expect(matchesSelector(['a'], { allOf: ['a', 'b'] })).toBe(false);
    expect(matchesSelector(['x'], { anyOf: ['a', 'x'] })).toBe(true);
    expect(matchesSelector(['y'], { anyOf: ['a', 'x'] })).toBe(false);
    expect(matchesSelector(['a', 'z'], { allOf: ['a'], noneOf: ['z'] })).toBe(false);
    expect(matchesSelector([], { noneOf: ['z'] })).toBe(true);
  });
});

describe('wave planning', () => {
  it('puts each cluster in the first wave it matches, rest takes the others, batches by maxParallel, ordered by name', () => {
    const plan = planWaves(policy, [
      c('us-2', 'edge-us'),
      c('eu-3', 'edge-eu'),
      c('can', 'canary', 'edge-eu'),
      c('eu-1', 'edge-eu'),
      c('eu-2', 'edge-eu'),
      c('eu-frozen', 'edge-eu', 'frozen'),
      c('us-1', 'edge-us'),
      c('us-3'),
    ]);
    expect(plan.unassigned).toEqual([]);
    expect(plan.waves.map((w) => [w.name, w.index, w.batches])).toEqual([
      ['canary', 0, [['id-can']]],
      ['eu', 1, [['id-eu-1', 'id-eu-2'], ['id-eu-3']]],
      [
        'rest',
        2,
        [
          ['id-eu-frozen', 'id-us-1'],
          ['id-us-2', 'id-us-3'],
        ],
      ],
    ]);
    expect(plan.waves[2]).toMatchObject({
      soakMs: 60_000,
      clusterIds: ['id-eu-frozen', 'id-us-1', 'id-us-2', 'id-us-3'],
    });
  });

  it('leaves out waves no affected cluster falls into', () => {
    const plan = planWaves(policy, [c('us-1', 'edge-us')]);
    expect(plan.waves.map((w) => w.name)).toEqual(['rest']);
  });

  it('reports affected clusters no wave selects when the policy has no rest wave', () => {
    const onlyCanary = { waves: policy.waves.slice(0, 1) };
    const plan = planWaves(onlyCanary, [c('can', 'canary'), c('other', 'x')]);
    expect(plan.waves.map((w) => w.clusterIds)).toEqual([['id-can']]);
    expect(plan.unassigned).toEqual(['id-other']);
  });

  it('without fleet.yaml plans one wave of every affected cluster at once', () => {
    const plan = planWaves(defaultFleetPolicy(), [c('b'), c('a', 'canary')]);
    expect(plan.waves).toHaveLength(1);
    expect(plan.waves[0]?.batches).toEqual([['id-a', 'id-b']]);
  });

  it('rounds percentage batches up and never below one cluster', () => {
    expect(batchSize({ percent: 10 }, 3)).toBe(1);
    expect(batchSize({ percent: 34 }, 3)).toBe(2);
    expect(batchSize({ percent: 100 }, 1000)).toBe(1000);
    expect(batchSize({ count: 5 }, 2)).toBe(5);
  });
});

import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../objects/kube-object.js';
import { diffObject } from '../drift/diff-object.js';
import { withoutIgnored } from '../drift/ignore-rules.js';
import { FleetPolicyError, parseFleetPolicy } from './fleet-policy.js';
import { ignoreRulesFor, pathMatches } from './ignore-policy.js';

const enc = (s: string) => new TextEncoder().encode(s);
function policyError(text: string): FleetPolicyError {
  try {
    parseFleetPolicy(enc(text));
  } catch (e) {
    expect(e).toBeInstanceOf(FleetPolicyError);
    return e as FleetPolicyError;
  }
  throw new Error('expected a FleetPolicyError');
}

const RULES = `ignore:
  - name: replicas-belong-to-the-hpa
    selector: {allOf: [autoscaled]}
    match: {group: apps, kind: Deployment}
    fields: [/spec/replicas]
  - paths: ["clusters/prod-*", "envs/**"]
    managers: [cainjector]
`;

describe('fleet.yaml ignore rules', () => {
  it('reads them, with the default single wave when fleet.yaml has no waves', () => {
    const p = parseFleetPolicy(enc(RULES));
    expect(p.waves).toEqual([
      { name: 'all', rest: true, maxParallel: { percent: 100 }, healthTimeoutMs: 600_000, soakMs: 0 },
    ]);
    expect(p.ignore).toEqual([
      {
        name: 'replicas-belong-to-the-hpa',
        selector: { allOf: ['autoscaled'] },
        match: { group: 'apps', kind: 'Deployment' },
        fields: ['/spec/replicas'],
        managers: [],
      },
      { paths: ['clusters/prod-*', 'envs/**'], fields: [], managers: ['cainjector'] },
    ]);
    expect(parseFleetPolicy(enc('waves:\n  - name: a\n    rest: true\n')).ignore).toEqual([]);
  });

  it.each([
    ['a pointer without a leading slash', 'ignore:\n  - fields: [spec/replicas]\n', 2, 'must be a JSON pointer'],
    ['a pointer through __proto__', 'ignore:\n  - fields: [/metadata/__proto__/x]\n', 2, 'without __proto__'],
    ['a rule that ignores nothing', 'ignore:\n  - paths: [clusters/a]\n', 2, 'needs fields or managers'],
    ['an unknown key', 'ignore:\n  - fields: [/a]\n    kinds: [Deployment]\n', 2, 'kinds'],
    ['a bad tag', 'ignore:\n  - fields: [/a]\n    selector: {allOf: ["-x"]}\n', 3, 'must be a tag'],
  ])('refuses %s, naming the line', (_what, text, line, reason) => {
    const e = policyError(text);
    expect(e.line).toBe(line);
    expect(e.reason).toContain(reason);
  });

  it('selects clusters by path glob and by tags', () => {
    const p = parseFleetPolicy(enc(RULES));
    expect(ignoreRulesFor(p.ignore, { path: 'clusters/prod-eu', tags: [] })).toEqual([
      { fields: [], managers: ['cainjector'] },
    ]);
    expect(ignoreRulesFor(p.ignore, { path: 'clusters/dev', tags: ['autoscaled'] })).toEqual([
      { match: { group: 'apps', kind: 'Deployment' }, fields: ['/spec/replicas'], managers: [] },
    ]);
    expect(ignoreRulesFor(p.ignore, { path: 'clusters/dev', tags: ['other'] })).toEqual([]);
    expect(pathMatches('clusters/prod-*', 'clusters/prod-eu/')).toBe(true);
    expect(pathMatches('clusters/prod-*', 'clusters/prod-eu/sub')).toBe(false);
    expect(pathMatches('envs/**', 'envs/prod/eu')).toBe(true);
    expect(pathMatches('clusters/a.b', 'clusters/aXb')).toBe(false);
  });

  it('leaves out of drift the fields a rule covers, on the objects it matches only', () => {
    const deploy = (replicas: number, image: string): KubeObject =>
      ({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { replicas, template: { spec: { containers: [{ name: 'app', image }] } } },
      }) as KubeObject;
    const desired = deploy(2, 'nginx:1');
    const live = deploy(7, 'evil:1');
    const diffs = diffObject(desired, live);
    expect(diffs.map((d) => d.path)).toHaveLength(2);
    const rule = { match: { group: 'apps', kind: 'Deployment' }, fields: ['/spec/replicas'], managers: [] };
    expect(withoutIgnored(desired, live, diffs, [rule]).map((d) => d.path)).toEqual([
      'spec.template.spec.containers[name="app"].image',
    ]);
    const elsewhere = { ...rule, match: { ...rule.match, namespace: 'other' } };
    expect(withoutIgnored(desired, live, diffs, [elsewhere])).toHaveLength(2);
    const byManager = { fields: [], managers: ['hpa'] };
    const owned = {
      ...live,
      metadata: {
        ...live.metadata,
        managedFields: [
          {
            manager: 'flotilla',
            operation: 'Apply',
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } } },
            },
          },
          {
            manager: 'hpa',
            operation: 'Update',
            subresource: 'scale',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:spec': { 'f:replicas': {} } },
          },
        ],
      },
    } as KubeObject;
    expect(withoutIgnored(desired, owned, diffs, [byManager]).map((d) => d.path)).toEqual([
      'spec.template.spec.containers[name="app"].image',
    ]);
  });
});

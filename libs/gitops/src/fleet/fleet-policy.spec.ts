import { describe, expect, it } from 'vitest';
import { MemoryTree } from '../tree/repo-tree.js';
import { formatDuration, parseDuration } from './duration.js';
import { FleetPolicyError, loadFleetPolicy, parseFleetPolicy } from './fleet-policy.js';

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

const THREE_WAVES = `onFailure: rollback
healthTimeout: 2m
waves:
  - name: canary
    selector: { allOf: [canary] }
    soak: 30s
  - name: edge-eu
    selector:
      anyOf: [edge-eu, eu]
      noneOf: [frozen]
    maxParallel: 2
    healthTimeout: 5m
  - name: everything-else
    rest: true
    maxParallel: "25%"
`;

describe('fleet.yaml policy', () => {
  it('reads ordered waves with selectors, rest, maxParallel, durations and inherited defaults', () => {
    const p = parseFleetPolicy(enc(THREE_WAVES));
    expect(p.source).toBe('file');
    expect(p.onFailure).toBe('rollback');
    expect(p.waves).toEqual([
      {
        name: 'canary',
        selector: { allOf: ['canary'] },
        rest: false,
        maxParallel: { percent: 100 },
        healthTimeoutMs: 120_000,
        soakMs: 30_000,
      },
      {
        name: 'edge-eu',
        selector: { anyOf: ['edge-eu', 'eu'], noneOf: ['frozen'] },
        rest: false,
        maxParallel: { count: 2 },
        healthTimeoutMs: 300_000,
        soakMs: 0,
      },
      { name: 'everything-else', rest: true, maxParallel: { percent: 25 }, healthTimeoutMs: 120_000, soakMs: 0 },
    ]);
  });

  it('defaults onFailure to pause', () => {
    expect(parseFleetPolicy(enc('waves:\n  - name: all\n    rest: true\n')).onFailure).toBe('pause');
  });

  it.each([
    [
      'a bad duration',
      'waves:\n  - name: a\n    rest: true\n    soak: soon\n',
      4,
      'waves.0.soak: "soon" is not a duration',
    ],
    [
      'maxParallel 0',
      'waves:\n  - name: a\n    rest: true\n    maxParallel: 0\n',
      4,
      'maxParallel must be a whole number',
    ],
    ['maxParallel 150%', 'waves:\n  - name: a\n    rest: true\n    maxParallel: "150%"\n', 4, 'maxParallel must be'],
    ['an unknown onFailure', 'onFailure: retry\nwaves:\n  - name: a\n    rest: true\n', 1, 'onFailure'],
    [
      'a wave with selector and rest',
      'waves:\n  - name: a\n    rest: true\n  - name: b\n    rest: true\n    selector: { allOf: [x] }\n',
      4,
      'either a selector or `rest: true`',
    ],
    ['a wave with neither', 'waves:\n  - name: a\n    soak: 1m\n', 2, 'either a selector or `rest: true`'],
    ['an empty selector', 'waves:\n  - name: a\n    selector: {}\n', 3, 'at least one of allOf, anyOf, noneOf'],
    ['an unknown key', 'waves:\n  - name: a\n    rest: true\n    parallel: 3\n', 2, 'parallel'],
    [
      'a duplicate wave name',
      'waves:\n  - name: a\n    selector: { allOf: [x] }\n  - name: a\n    rest: true\n',
      4,
      'wave name "a" is used twice',
    ],
    [
      'two rest waves',
      'waves:\n  - name: a\n    rest: true\n  - name: b\n    rest: true\n',
      5,
      'only one wave may be `rest`',
    ],
    ['no waves', 'waves: []\n', 1, 'at least one wave'],
    ['a bad tag', 'waves:\n  - name: a\n    selector: { allOf: ["has space"] }\n', 3, 'must be a tag'],
    ['broken YAML', 'waves:\n  - name: a\n    rest: true\n  - [oops\n', 5, 'invalid YAML'],
    ['a duplicate key', 'onFailure: pause\nonFailure: rollback\nwaves: []\n', 2, 'invalid YAML'],
  ])('rejects %s with file, line and reason', (_what, text, line, reason) => {
    const err = policyError(text);
    expect(err.file).toBe('fleet.yaml');
    expect(err.line).toBe(line);
    expect(err.reason).toContain(reason);
    expect(err.message).toBe(`fleet.yaml:${line}: ${err.reason}`);
    expect(err.toJSON()).toMatchObject({
      code: 'INVALID_FLEET_POLICY',
      data: { file: 'fleet.yaml', line, reason: err.reason },
    });
  });

  it('refuses alias bombs and oversized files', () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nwaves: [*c]\n`;
    expect(policyError(bomb).reason).toMatch(/alias/i);
    expect(policyError(`# ${'x'.repeat(300 * 1024)}\nwaves: []\n`).reason).toContain('over the cap');
  });

  it('loads the default policy (one wave of all, pause) when the repository has no fleet.yaml', async () => {
    const p = await loadFleetPolicy(new MemoryTree({ 'clusters/a/x.yaml': 'a: 1' }));
    expect(p).toMatchObject({
      source: 'default',
      onFailure: 'pause',
      waves: [{ name: 'all', rest: true, maxParallel: { percent: 100 } }],
    });
  });

  it('loads fleet.yaml from the tree root and refuses one that is not a file', async () => {
    await expect(loadFleetPolicy(new MemoryTree({ 'fleet.yaml': THREE_WAVES }))).resolves.toMatchObject({
      source: 'file',
      waves: [{ name: 'canary' }, { name: 'edge-eu' }, { name: 'everything-else' }],
    });
    await expect(loadFleetPolicy(new MemoryTree({ 'fleet.yaml': { symlink: 'other.yaml' } }))).rejects.toThrow(
      'fleet.yaml: must be a regular file, found a symlink',
    );
  });
});

describe('durations', () => {
  it('parses units, compounds and bare seconds; rejects junk', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration(45)).toBe(45_000);
    for (const bad of ['', '5', '5 m', '-1s', 'm', '1d', -3]) expect(parseDuration(bad)).toBeUndefined();
    expect(formatDuration(5_430_250)).toBe('1h30m30s250ms');
    expect(formatDuration(0)).toBe('0s');
  });
});

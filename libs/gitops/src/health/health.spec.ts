import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../objects/kube-object.js';
import { parseYamlDocuments } from '../yaml/parse-manifests.js';
import { health } from './health.js';
import { compareHealth, HEALTH_WORST_FIRST, HealthStatus, worstOf } from './health-status.js';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/health');
/** One fixture per state: `<what>-<expected status>.yaml`. */
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const expected = (file: string) => {
  const state = file.replace(/\.yaml$/, '').split('-').pop() ?? '';
  const status = Object.values(HealthStatus).find((s) => s.toLowerCase() === state);
  if (!status) throw new Error(`fixture ${file} does not end in a health status`);
  return status;
};

describe('health of live objects, one fixture per state', () => {
  it('has fixtures for every status an object can report', () => {
    expect(new Set(fixtures.map(expected))).toEqual(new Set([HealthStatus.Healthy, HealthStatus.Progressing, HealthStatus.Degraded, HealthStatus.Suspended]));
  });

  for (const file of fixtures) {
    it(`${file.replace(/\.yaml$/, '')} is ${expected(file)}`, () => {
      const [obj] = parseYamlDocuments(file, readFileSync(resolve(dir, file)));
      const result = health(obj as KubeObject);
      expect(result.status).toBe(expected(file));
      expect(result.message).not.toBe('');
    });
  }

  it('explains a missed progress deadline with the controller message', () => {
    const [obj] = parseYamlDocuments('d', readFileSync(resolve(dir, 'deployment-deadline-degraded.yaml')));
    expect(health(obj as KubeObject).message).toContain('has timed out progressing');
  });

  it('reports a missing object as Missing', () => {
    expect(health(undefined)).toEqual({ status: HealthStatus.Missing, message: 'object does not exist' });
  });
});

describe('aggregate health', () => {
  it('orders statuses worst-first like gitops-engine', () => {
    expect(HEALTH_WORST_FIRST).toEqual(['Unknown', 'Degraded', 'Missing', 'Progressing', 'Suspended', 'Healthy']);
    expect(compareHealth(HealthStatus.Degraded, HealthStatus.Progressing)).toBeLessThan(0);
  });

  it('takes the worst member, and Healthy for nothing', () => {
    expect(worstOf([HealthStatus.Healthy, HealthStatus.Progressing, HealthStatus.Suspended])).toBe(HealthStatus.Progressing);
    expect(worstOf([{ status: HealthStatus.Healthy, message: '' }, { status: HealthStatus.Degraded, message: '' }])).toBe(HealthStatus.Degraded);
    expect(worstOf([])).toBe(HealthStatus.Healthy);
  });
});

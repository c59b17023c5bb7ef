import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../objects/kube-object.js';
import { parseYamlDocuments } from '../yaml/parse-manifests.js';
import { hasNoStatus, health } from './health.js';
import { compareHealth, HEALTH_WORST_FIRST, HealthStatus, worstOf } from './health-status.js';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/health');
/** One fixture per state: `<what>-<expected status>.yaml`. */
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const expected = (file: string) => {
  const state =
    file
      .replace(/\.yaml$/, '')
      .split('-')
      .pop() ?? '';
  const status = Object.values(HealthStatus).find((s) => s.toLowerCase() === state);
  if (!status) throw new Error(`fixture ${file} does not end in a health status`);
  return status;
};

describe('health of live objects, one fixture per state', () => {
  it('has fixtures for every status an object can report', () => {
    expect(new Set(fixtures.map(expected))).toEqual(
      new Set([HealthStatus.Healthy, HealthStatus.Progressing, HealthStatus.Degraded, HealthStatus.Suspended]),
    );
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
    expect(worstOf([HealthStatus.Healthy, HealthStatus.Progressing, HealthStatus.Suspended])).toBe(
      HealthStatus.Progressing,
    );
    expect(
      worstOf([
        { status: HealthStatus.Healthy, message: '' },
        { status: HealthStatus.Degraded, message: '' },
      ]),
    ).toBe(HealthStatus.Degraded);
    expect(worstOf([])).toBe(HealthStatus.Healthy);
  });
});

describe('hasNoStatus', () => {
  it('names the kinds Kubernetes keeps no status for, and only those', () => {
    expect(['ConfigMap', 'Secret', 'ServiceAccount'].every((k) => hasNoStatus('v1', k))).toBe(true);
    expect(hasNoStatus('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding')).toBe(true);
    expect(hasNoStatus('v1', 'Service')).toBe(false);
    expect(hasNoStatus('apps/v1', 'Deployment')).toBe(false);
    expect(hasNoStatus('example.com/v1', 'ConfigMap')).toBe(false); // a custom kind of the same name may have status
    // And what health() says of one once it exists: Healthy.
    expect(
      health({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'b' }, data: {} } as KubeObject)
        .status,
    ).toBe(HealthStatus.Healthy);
  });
});

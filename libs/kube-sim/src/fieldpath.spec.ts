// FieldsV1 encoding: flatten lists the paths a real server's managedFields would, and the
// FieldsV1 form round-trips.
import { describe, expect, it } from 'vitest';
import { flatten, fromFieldsV1, toFieldsV1 } from './fieldpath.js';

describe('FieldsV1 paths', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['x/y'] },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { spec: { containers: [{ name: 'web', image: 'nginx', args: ['-a'], ports: [{ containerPort: 80 }] }] } },
    },
    status: { replicas: 1 },
  };

  it('treats maps and list items as owned nodes, selectors and plain lists as atomic, and leaves status out', () => {
    const f = toFieldsV1(flatten(deployment, { builtin: true, part: 'main' }).keys());
    expect(f).toEqual({
      'f:metadata': { 'f:finalizers': { 'v:"x/y"': {} }, 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:selector': {},
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': { '.': {}, 'f:args': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
            },
          },
        },
      },
    });
  });

  it('round-trips between paths and FieldsV1', () => {
    const paths = new Set(flatten(deployment, { builtin: true, part: 'all' }).keys());
    expect(fromFieldsV1(toFieldsV1(paths))).toEqual(paths);
  });
});

// FieldsV1 encoding: flatten lists the paths a real server's managedFields would, and the
// FieldsV1 form round-trips.
import { describe, expect, it } from 'vitest';
import { applySet, flatten, fromFieldsV1, toFieldsV1 } from './fieldpath.js';

describe('FieldsV1 paths', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['x/y'] },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        spec: { containers: [{ name: 'web', image: 'nginx', args: ['-a'], ports: [{ containerPort: 80 }] }] },
      },
    },
    status: { replicas: 1 },
  };

  it('lists for an applier leaves, map keys and list items (not maps and lists themselves); selectors and plain lists are atomic; status is left out', () => {
    const f = toFieldsV1(applySet(flatten(deployment, { builtin: true, part: 'main' })));
    expect(f).toEqual({
      'f:metadata': { 'f:finalizers': { 'v:"x/y"': {} }, 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:selector': {},
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': {
                '.': {},
                'f:args': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
  });

  it('includes the map and list nodes an Update writer owns when it creates them', () => {
    const f = toFieldsV1(flatten(deployment, { builtin: true, part: 'main' }).keys());
    expect(f['f:metadata']).toEqual({
      'f:finalizers': { '.': {}, 'v:"x/y"': {} },
      'f:labels': { '.': {}, 'f:app': {} },
    });
    const container = f['f:spec']['f:template']['f:spec']['f:containers'];
    expect(Object.keys(container)).toEqual(['k:{"name":"web"}']);
    expect(container['k:{"name":"web"}']['f:ports']['.']).toEqual({});
  });

  it('round-trips between paths and FieldsV1', () => {
    const paths = new Set(flatten(deployment, { builtin: true, part: 'all' }).keys());
    expect(fromFieldsV1(toFieldsV1(paths))).toEqual(paths);
  });
});

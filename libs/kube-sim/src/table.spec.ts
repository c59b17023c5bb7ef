// Server-side printing: ages formatted like kubectl's, built-in columns, CRD printer columns.
import { describe, expect, it } from 'vitest';
import { BUILTIN_TYPES, typesFromCrd } from './resources.js';
import { humanDuration, toTable } from './table.js';

describe('server-side tables', () => {
  it('formats ages the way Kubernetes does', () => {
    expect(
      [5_000, 150_000, 1_800_000, 9_000_000, 16_200_000, 100 * 3_600_000, 30 * 86_400_000].map(humanDuration),
    ).toEqual(['5s', '2m30s', '30m', '150m', '4h30m', '4d4h', '30d']);
  });

  it('prints Deployment readiness columns', () => {
    const t = BUILTIN_TYPES.find((x) => x.kind === 'Deployment')!;
    const d = {
      metadata: { name: 'web', creationTimestamp: new Date().toISOString() },
      spec: { replicas: 3 },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    const table: any = toTable(t, [d], {}, false);
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual([
      'Name',
      'Ready',
      'Up-to-date',
      'Available',
      'Age',
    ]);
    expect(table.rows[0].cells.slice(0, 4)).toEqual(['web', '2/3', 3, 2]);
    expect(table.rows[0].object.kind).toBe('PartialObjectMetadata');
  });

  it("prints a CRD version's additionalPrinterColumns", () => {
    const [t] = typesFromCrd({
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            additionalPrinterColumns: [
              { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
              { name: 'First', type: 'string', jsonPath: '.spec.items[0].name' },
            ],
          },
        ],
      },
    });
    const table: any = toTable(
      t,
      [
        {
          metadata: { name: 'w', creationTimestamp: new Date().toISOString() },
          spec: { size: 3, items: [{ name: 'a' }] },
        },
      ],
      {},
      true,
    );
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Size', 'First', 'Age']);
    expect(table.rows[0].cells.slice(0, 3)).toEqual(['w', 3, 'a']);
  });
});

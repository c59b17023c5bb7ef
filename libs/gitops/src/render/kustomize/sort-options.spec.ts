import { describe, expect, it } from 'vitest';
import { RenderError } from '../../errors/render-error.js';
import { MemoryTree } from '../../tree/repo-tree.js';
import { render } from '../render.js';

const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n';

async function reason(sortOptions: string): Promise<string> {
  const err = await render(
    new MemoryTree({ 'k/kustomization.yaml': `resources: [c.yaml]\nsortOptions:\n${sortOptions}`, 'k/c.yaml': cm }),
    'k',
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RenderError);
  return (err as RenderError).reason;
}

describe('sortOptions: the errors kustomize gives', () => {
  it('refuses an unknown order and legacySortOptions with fifo', async () => {
    expect(await reason('  order: random\n')).toContain("'sortOptions.order' must be one of [fifo, legacy]");
    expect(await reason('  order: fifo\n  legacySortOptions:\n    orderFirst: [ConfigMap]\n')).toContain(
      "'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo'",
    );
  });
});

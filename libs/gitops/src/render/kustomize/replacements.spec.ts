import { describe, expect, it } from 'vitest';
import { RenderError } from '../../errors/render-error.js';
import { MemoryTree } from '../../tree/repo-tree.js';
import { render } from '../render.js';

const cms =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n';

function kustomization(source: string, fieldPaths: string, extra = ''): Record<string, string> {
  return {
    'k/cm.yaml': cms,
    'k/kustomization.yaml': `resources: [cm.yaml]\nreplacements:\n- source:\n${source}\n  targets:\n  - select:\n      kind: ConfigMap\n    fieldPaths: [${fieldPaths}]\n${extra}`,
  };
}

async function failure(files: Record<string, string>): Promise<RenderError> {
  const err = await render(new MemoryTree(files), 'k').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RenderError);
  return err as RenderError;
}

describe('replacements: the errors kubectl gives', () => {
  it('a target field that is missing without create', async () => {
    const err = await failure(kustomization('    kind: ConfigMap\n    name: c\n    fieldPath: data.a', 'data.b'));
    expect(err.reason).toContain('unable to find field "data.b" in replacement target');
  });

  it('a source that selects nothing, or several objects', async () => {
    expect((await failure(kustomization('    kind: ConfigMap\n    name: zz', 'data.a'))).reason).toContain(
      'nothing selected by source selector',
    );
    expect((await failure(kustomization('    kind: ConfigMap', 'data.a'))).reason).toContain('multiple matches');
  });

  it('a source field that is missing', async () => {
    const err = await failure(kustomization('    kind: ConfigMap\n    name: c\n    fieldPath: data.nope', 'data.a'));
    expect(err.reason).toContain('fieldPath `data.nope` is missing');
  });

  it('sourceValue, which kustomize v5.6 does not know', async () => {
    const err = await failure({
      'k/cm.yaml': cms,
      'k/kustomization.yaml':
        'resources: [cm.yaml]\nreplacements:\n- sourceValue: x\n  targets:\n  - select:\n      kind: ConfigMap\n',
    });
    expect(err.reason).toContain('sourceValue');
  });

  it('creates a missing target field with create', async () => {
    const out = await render(
      new MemoryTree(
        kustomization(
          '    kind: ConfigMap\n    name: c\n    fieldPath: data.a',
          'data.b',
          '    options:\n      create: true\n',
        ),
      ),
      'k',
    );
    expect(out.objects.map((o) => o['data'])).toEqual([{ a: 'x', b: 'x' }, { b: 'x' }]);
  });
});

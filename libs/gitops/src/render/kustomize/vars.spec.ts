import { describe, expect, it } from 'vitest';
import { RenderError } from '../../errors/render-error.js';
import { MemoryTree } from '../../tree/repo-tree.js';
import { render } from '../render.js';
import { expandVars } from './vars.js';

const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    x: $(V)\n';

async function failure(files: Record<string, string>, path: string): Promise<RenderError> {
  const err = await render(new MemoryTree(files), path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RenderError);
  return err as RenderError;
}

describe('vars (kustomize refvar semantics)', () => {
  it('expands like kustomize: $$ escapes, unknown vars stay, a whole-field var keeps its type', () => {
    const values: Record<string, unknown> = { A: 'x', N: 443, B: true };
    const map = (name: string) => values[name] ?? `$(${name})`;
    expect(expandVars('$(A).$(N)', map)).toBe('x.443');
    expect(expandVars('$(N)', map)).toBe(443);
    expect(expandVars('$(B)', map)).toBe(true);
    expect(expandVars('$$(A) $(Z) $5 $( $', map)).toBe('$(A) $(Z) $5 $( $');
  });

  it('refuses an objref without the exact version, naming the var, as kubectl does', async () => {
    const err = await failure(
      {
        'a/kustomization.yaml': 'resources: [cm.yaml]\nvars:\n- name: V\n  objref:\n    kind: ConfigMap\n    name: c\n',
        'a/cm.yaml': cm,
      },
      'a',
    );
    expect(err.reason).toContain("var 'V' cannot be mapped");
    expect(err.file).toBe('a/kustomization.yaml');
  });

  it('refuses a var name declared twice in one build', async () => {
    const v = 'vars:\n- name: V\n  objref:\n    kind: ConfigMap\n    version: v1\n    name: c\n';
    const err = await failure(
      {
        'a/kustomization.yaml': `resources: [cm.yaml]\n${v}`,
        'a/cm.yaml': cm,
        'b/kustomization.yaml': `resources: [../a]\n${v}`,
      },
      'b',
    );
    expect(err.reason).toContain("var 'V' already encountered");
  });

  it('substitutes a resolved var into labels', async () => {
    const out = await render(
      new MemoryTree({
        'a/kustomization.yaml':
          'namePrefix: p-\nresources: [cm.yaml]\nvars:\n- name: V\n  objref:\n    kind: ConfigMap\n    version: v1\n    name: c\n',
        'a/cm.yaml': cm,
      }),
      'a',
    );
    expect(out.objects[0]?.metadata.labels).toEqual({ x: 'p-c' });
  });
});

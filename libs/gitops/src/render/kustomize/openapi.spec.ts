import { describe, expect, it } from 'vitest';
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { MemoryTree } from '../../tree/repo-tree.js';
import { render } from '../render.js';

const widget =
  'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  items: [{name: a, size: 1}, {name: b, size: 2}]\n';
const patch =
  'patches:\n  - patch: |-\n      apiVersion: example.com/v1\n      kind: Widget\n      metadata: {name: w}\n      spec: {items: [{name: a, size: 10}]}\n';
const schema = JSON.stringify({
  definitions: {
    Widget: {
      'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Widget' }],
      properties: {
        spec: {
          properties: {
            items: { type: 'array', 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' },
          },
        },
      },
    },
  },
});

async function failure(files: Record<string, string>): Promise<RenderError> {
  const err = await render(new MemoryTree(files), 'k').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RenderError);
  return err as RenderError;
}

describe('kustomize openapi', () => {
  it('merges a custom kind by the merge key its schema gives (YAML schema file too)', async () => {
    for (const file of ['schema.json', 'schema.yaml']) {
      const out = await render(
        new MemoryTree({
          'k/kustomization.yaml': `resources: [w.yaml]\nopenapi:\n  path: ${file}\n${patch}`,
          'k/w.yaml': widget,
          [`k/${file}`]: schema,
        }),
        'k',
      );
      expect(out.objects[0]?.['spec']).toEqual({
        items: [
          { name: 'a', size: 10 },
          { name: 'b', size: 2 },
        ],
      });
    }
  });

  it('replaces the lists of a custom kind without a schema', async () => {
    const out = await render(
      new MemoryTree({ 'k/kustomization.yaml': `resources: [w.yaml]\n${patch}`, 'k/w.yaml': widget }),
      'k',
    );
    expect(out.objects[0]?.['spec']).toEqual({ items: [{ name: 'a', size: 10 }] });
  });

  it('refuses a remote schema by name, as a remote resource', async () => {
    const url = 'https://example.com/schema.json';
    const err = await failure({ 'k/kustomization.yaml': `openapi:\n  path: ${url}\n`, 'k/w.yaml': widget });
    expect(err.code).toBe(RenderErrorCode.UnsupportedField);
    expect(err.reason).toContain(`remote resource "${url}"`);
  });

  it('refuses a version kustomize does not carry, naming the one it does', async () => {
    const err = await failure({ 'k/kustomization.yaml': 'openapi:\n  version: v1.30.0\n' });
    expect(err.code).toBe(RenderErrorCode.InvalidKustomization);
    expect(err.reason).toContain('"v1.30.0"');
    expect(err.reason).toContain('v1.21.2');
  });

  it('refuses a path and a version together, as kustomize', async () => {
    const err = await failure({
      'k/kustomization.yaml': 'openapi:\n  path: s.json\n  version: v1.21.2\n',
      'k/s.json': schema,
    });
    expect(err.reason).toContain('cannot use both');
  });

  it('refuses a schema file without definitions, naming the file', async () => {
    const err = await failure({ 'k/kustomization.yaml': 'openapi:\n  path: s.json\n', 'k/s.json': '{"paths": {}}' });
    expect(err.file).toBe('k/s.json');
    expect(err.reason).toContain('"definitions"');
  });

  it('names a missing schema file', async () => {
    const err = await failure({ 'k/kustomization.yaml': 'openapi:\n  path: nope.json\n' });
    expect(err.code).toBe(RenderErrorCode.NotFound);
    expect(err.reason).toContain('nope.json');
  });
});

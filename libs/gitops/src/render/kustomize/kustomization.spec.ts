import { describe, expect, it } from 'vitest';
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { MemoryTree } from '../../tree/repo-tree.js';
import { render } from '../render.js';

const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n';

async function failure(files: Record<string, string>, path = 'k'): Promise<RenderError> {
  const err = await render(new MemoryTree(files), path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RenderError);
  return err as RenderError;
}

describe('kustomize subset: anything outside it is an error naming the field', () => {
  for (const field of ['generators', 'validators']) {
    it(`refuses "${field}"`, async () => {
      const err = await failure({ 'k/kustomization.yaml': `resources: [c.yaml]\n${field}: []\n`, 'k/c.yaml': cm });
      expect(err.code).toBe(RenderErrorCode.UnsupportedField);
      expect(err.file).toBe('k/kustomization.yaml');
      expect(err.reason).toContain(`"${field}"`);
    });
  }

  it('refuses helmCharts without a chart inflater (hydration off), naming hydration', async () => {
    const err = await failure({
      'k/kustomization.yaml': 'helmCharts:\n  - name: web\n    releaseName: web\n',
      'k/charts/web/Chart.yaml': 'name: web\n',
    });
    expect(err.code).toBe(RenderErrorCode.UnsupportedField);
    expect(err.file).toBe('k/kustomization.yaml');
    expect(err.reason).toContain('"helmCharts" needs hydration');
  });

  it('refuses buildMetadata transformerAnnotations by name, and unknown buildMetadata options', async () => {
    const alpha = await failure({
      'k/kustomization.yaml': 'resources: [c.yaml]\nbuildMetadata: [managedByLabel, transformerAnnotations]\n',
      'k/c.yaml': cm,
    });
    expect(alpha.code).toBe(RenderErrorCode.UnsupportedField);
    expect(alpha.reason).toContain('transformerAnnotations');
    const unknown = await failure({
      'k/kustomization.yaml': 'resources: [c.yaml]\nbuildMetadata: [everything]\n',
      'k/c.yaml': cm,
    });
    expect(unknown.reason).toContain('"everything"');
  });

  it('refuses unsupported sub-fields such as labels[].foo and images[].foo', async () => {
    const labels = await failure({
      'k/kustomization.yaml': 'resources: [c.yaml]\nlabels:\n  - pairs: {a: b}\n    foo: []\n',
      'k/c.yaml': cm,
    });
    expect(labels.reason).toContain('labels[0].foo');
    const images = await failure({
      'k/kustomization.yaml': 'resources: [c.yaml]\nimages:\n  - name: x\n    foo: y\n',
      'k/c.yaml': cm,
    });
    expect(images.reason).toContain('images[0].foo');
  });

  it('refuses a Component listed as a resource, a Kustomization listed as a component, remote resources and non-builtin transformers', async () => {
    const componentAsResource = await failure({
      'k/kustomization.yaml': 'resources: [../c]\n',
      'c/kustomization.yaml': 'kind: Component\nresources: [c.yaml]\n',
      'c/c.yaml': cm,
    });
    expect(componentAsResource.reason).toContain("expected kind != 'Component' for path 'c'");
    const kustomizationAsComponent = await failure({
      'k/kustomization.yaml': 'resources: [c.yaml]\ncomponents: [../j]\n',
      'k/c.yaml': cm,
      'j/kustomization.yaml': 'namePrefix: x-\n',
    });
    expect(kustomizationAsComponent.reason).toContain("expected kind 'Component' for path 'j'");
    const wrongVersion = await failure({
      'k/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Component\nresources: [c.yaml]\n',
      'k/c.yaml': cm,
    });
    expect(wrongVersion.reason).toContain('apiVersion for Component should be kustomize.config.k8s.io/v1alpha1');
    const remote = await failure({ 'k/kustomization.yaml': 'resources: [https://github.com/x/y//deploy]\n' });
    expect(remote.code).toBe(RenderErrorCode.UnsupportedField);
    expect(remote.reason).toContain('remote');
    const transformer = await failure({
      'k/kustomization.yaml': 'resources: [c.yaml]\ntransformers: [t.yaml]\n',
      'k/c.yaml': cm,
      'k/t.yaml': 'apiVersion: example.com/v1\nkind: MyPlugin\nmetadata:\n  name: x\n',
    });
    expect(transformer.code).toBe(RenderErrorCode.UnsupportedField);
    expect(transformer.file).toBe('k/t.yaml');
  });

  it('refuses a resource directory without a kustomization, and kustomizations in a cycle', async () => {
    const noK = await failure({ 'k/kustomization.yaml': 'resources: [../plain]\n', 'plain/c.yaml': cm });
    expect(noK.code).toBe(RenderErrorCode.NotFound);
    expect(noK.reason).toContain('plain');
    const cycle = await failure({
      'k/kustomization.yaml': 'resources: [../j]\n',
      'j/kustomization.yaml': 'resources: [../k]\n',
    });
    expect(cycle.code).toBe(RenderErrorCode.Cycle);
  });

  it('refuses a patch that matches nothing and a JSON 6902 patch that cannot apply', async () => {
    const none = await failure({
      'k/kustomization.yaml':
        'resources: [c.yaml]\npatches:\n  - patch: |\n      apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: other\n      data: {a: b}\n',
      'k/c.yaml': cm,
    });
    expect(none.code).toBe(RenderErrorCode.PatchFailed);
    expect(none.reason).toContain('matches no resource');
    const bad = await failure({
      'k/kustomization.yaml':
        'resources: [c.yaml]\npatches:\n  - target: {kind: ConfigMap}\n    patch: |\n      - op: replace\n        path: /data/missing\n        value: x\n',
      'k/c.yaml': cm,
    });
    expect(bad.code).toBe(RenderErrorCode.PatchFailed);
    expect(bad.reason).toContain('/data/missing');
  });

  it('refuses strategic merge directives kustomize does not implement', async () => {
    const err = await failure({
      'k/kustomization.yaml': 'resources: [d.yaml]\npatches:\n  - path: p.yaml\n',
      'k/d.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  strategy: {type: RollingUpdate}\n',
      'k/p.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  strategy:\n    $retainKeys: [type]\n    type: Recreate\n',
    });
    expect(err.code).toBe(RenderErrorCode.PatchFailed);
    expect(err.file).toBe('k/p.yaml');
    expect(err.reason).toContain('$retainKeys');
  });

  it('refuses duplicate ids across resources of one kustomization', async () => {
    const err = await failure({
      'k/kustomization.yaml': 'resources: [a.yaml, b.yaml]\n',
      'k/a.yaml': cm,
      'k/b.yaml': cm,
    });
    expect(err.code).toBe(RenderErrorCode.DuplicateObject);
    expect(err.file).toBe('k/b.yaml');
    expect(err.reason).toContain('k/a.yaml');
  });

  it('applies replicas and namespace-scoped name references inside one kustomization', async () => {
    const { objects } = await render(
      new MemoryTree({
        'k/kustomization.yaml':
          'namespace: prod\nnamePrefix: p-\nresources: [d.yaml]\nreplicas:\n  - name: web\n    count: 3\n',
        'k/d.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n',
      }),
      'k',
    );
    expect(objects[0]).toMatchObject({ metadata: { name: 'p-web', namespace: 'prod' }, spec: { replicas: 3 } });
  });
});

/**
 * The classes of difference the conformance corpus found, each pinned by a small fixture that
 * kubectl's kustomize judges (fixtures/kustomize-differences, written for this test).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { render, RenderError, RenderErrorCode } from '../src/index.js';
import { FsTree } from './fs-tree.js';
import { byId, kubectlKustomize, OWN_FIXTURES } from './kubectl-reference.js';

const tree = new FsTree(OWN_FIXTURES);
const base = 'kustomize-differences';

const CASES: Record<string, string> = {
  subjects: 'namespace fills in the namespace of ServiceAccount subjects that name an account of the build',
  'patch-target-none': 'a patch whose target selects nothing is skipped',
  'json6902-replace-missing': 'JSON 6902 replace on a missing key of an existing object sets it',
  'nulls-after-merge': 'a strategic merge leaves no null field in the patched object; others keep theirs',
  'annotation-values': 'annotation values are written as strings (an empty value as ""); label and data nulls stay',
  'nulls-in-metadata-and-crds':
    'a patched object keeps the nulls of its metadata (not of its annotations); a patched CRD keeps all its nulls',
  generators: 'an empty secretGenerator has data: {}; behavior values other than merge/replace create',
  'list-kinds': '*List kinds of any group are expanded; a List kind without items is an object',
  'block-scalars': '| at the end of a file without a final newline, > with more-indented lines',
  'quoted-continuation': "quoted scalars continued at their key's indentation are one scalar, as go-yaml reads them",
  'prefix-suffix-transformer':
    'builtin PrefixSuffixTransformer on the fields its fieldSpecs select; renamed accounts are followed',
  'kustomize-booleans': 'yes/no/on/off/y/n in resources and patches are strings to kustomize (YAML 1.2)',
  'env-bare-key': 'an env-file line without "=" is a key with an empty value (kustomize v5)',
};

describe('render matches kubectl kustomize on the classes of difference the corpus found', () => {
  for (const [name, what] of Object.entries(CASES)) {
    it(`${name}: ${what}`, async () => {
      const path = `${base}/${name}`;
      const [ours, reference] = await Promise.all([render(tree, path), kubectlKustomize(join(OWN_FIXTURES, path))]);
      const want = byId(reference);
      const got = byId(ours.objects);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [id, obj] of want) expect(got.get(id), id).toEqual(obj);
    });
  }

  it('names the patch whose target matched nothing in the render warnings', async () => {
    const { warnings } = await render(tree, `${base}/patch-target-none`);
    expect(warnings).toEqual([
      `${base}/patch-target-none/kustomization.yaml: patches[0] (${base}/patch-target-none/scale.yaml): its target matches no resource`,
      `${base}/patch-target-none/kustomization.yaml: patches[1] (${base}/patch-target-none/kustomization.yaml): its target matches no resource`,
    ]);
    expect((await render(tree, `${base}/subjects`)).warnings).toEqual([]);
  });

  it('fills the subject namespace (what kubectl does) for accounts of the build only', async () => {
    const { objects } = await render(tree, `${base}/subjects`);
    const crb = objects.find((o) => o.kind === 'ClusterRoleBinding');
    expect(crb?.['subjects']).toEqual([
      { kind: 'ServiceAccount', name: 'runner', namespace: 'apps' },
      { kind: 'ServiceAccount', name: 'already-there', namespace: 'apps' },
      { kind: 'ServiceAccount', name: 'elsewhere', namespace: 'other' },
      { kind: 'User', name: 'alice' },
    ]);
  });

  it('refuses one kind and name under two versions, naming both files and versions (kubectl keeps both)', async () => {
    const path = 'hostile/two-versions'; // refused input, so kept with the hostile fixtures
    const reference = await kubectlKustomize(join(OWN_FIXTURES, path));
    expect(reference.map((o) => o.apiVersion).sort()).toEqual(['example.com/v1', 'example.com/v2']);
    const err = await render(tree, path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RenderError);
    expect((err as RenderError).code).toBe(RenderErrorCode.DuplicateObject);
    expect((err as RenderError).message).toBe(
      `${path}/widget_v2.yaml: Widget "sample" is defined as example.com/v2 here and as example.com/v1 in ${path}/widget_v1.yaml: ` +
        'two versions of one kind and name are one object in a cluster; keep one of them',
    );
  });
});

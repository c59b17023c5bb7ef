import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { render } from '../src/index.js';
import { FsTree } from './fs-tree.js';
import { byId, kubectlKustomize, OWN_FIXTURES } from './kubectl-reference.js';

const tree = new FsTree(OWN_FIXTURES);

describe('render matches kubectl kustomize on the podinfo overlays', () => {
  for (const overlay of ['dev', 'staging', 'production']) {
    it(`renders overlays/${overlay} to the same objects as kubectl kustomize`, async () => {
      const path = `podinfo-deploy/overlays/${overlay}`;
      const [ours, reference] = await Promise.all([render(tree, path), kubectlKustomize(join(OWN_FIXTURES, path))]);
      const want = byId(reference);
      const got = byId(ours.objects);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [id, obj] of want) expect(got.get(id), id).toEqual(obj);
      if (overlay === 'production') expect(ours.objects).toHaveLength(25);
    });
  }

  it('lists every file the production overlay read, sorted', async () => {
    const { files } = await render(tree, 'podinfo-deploy/overlays/production');
    expect(files).toEqual([...files].sort());
    expect(files).toContain('podinfo-deploy/overlays/production/labels.yaml');
    expect(files).toContain('podinfo-deploy/bases/cache/redis.conf');
    expect(files).not.toContain('podinfo-deploy/bases/database/README.md');
  });

  it('renders byte-for-byte the same JSON twice', async () => {
    const a = await render(tree, 'podinfo-deploy/overlays/staging');
    const b = await render(tree, 'podinfo-deploy/overlays/staging');
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

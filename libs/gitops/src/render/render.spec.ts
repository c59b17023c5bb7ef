import { describe, expect, it } from 'vitest';
import { RenderError, RenderErrorCode } from '../errors/render-error.js';
import { MemoryTree } from '../tree/repo-tree.js';
import { ParseCache } from '../yaml/parse-cache.js';
import { render } from './render.js';

const cm = (name: string, ns?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}data:\n  k: v\n`;
const deploy = (name: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: web\nspec:\n  replicas: 1\n`;

async function renderError(tree: MemoryTree, path: string, options = {}): Promise<RenderError> {
  const err = await render(tree, path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RenderError);
  return err as RenderError;
}

describe('render: plain manifests', () => {
  it('reads .yaml and .yml files at any depth, skips empty documents and other files, returns apply order', async () => {
    const tree = new MemoryTree({
      'clusters/a/apps/web.yaml': `---\n${deploy('web')}---\n\n---\n${cm('web-config', 'web')}`,
      'clusters/a/ns.yml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n',
      'clusters/a/README.md': '# not a manifest',
      'clusters/a/deep/er/still.yaml': cm('deep', 'web'),
      'clusters/b/other.yaml': cm('elsewhere'),
    });
    const result = await render(tree, 'clusters/a');
    expect(result.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/web',
      'ConfigMap/deep',
      'ConfigMap/web-config',
      'Deployment/web',
    ]);
    expect(result.files).toEqual(['clusters/a/apps/web.yaml', 'clusters/a/deep/er/still.yaml', 'clusters/a/ns.yml']);
    expect(result.sources['web_web_apps_Deployment']).toBe('clusters/a/apps/web.yaml');
    expect(result.sources['_web__Namespace']).toBe('clusters/a/ns.yml');
  });

  it('parses YAML the way Kubernetes does: 0755 is octal, dates stay strings', async () => {
    const tree = new MemoryTree({ 'p/a.yaml': `${cm('a')}  mode: 0755\n  date: 2024-01-02\n` });
    const { objects } = await render(tree, 'p');
    expect(objects[0]?.['data']).toEqual({ k: 'v', mode: 493, date: '2024-01-02' });
  });

  it('builds a subdirectory holding a kustomization as a kustomization', async () => {
    const tree = new MemoryTree({
      'p/plain.yaml': cm('plain'),
      'p/app/kustomization.yaml': 'resources: [cm.yaml]\nnamePrefix: app-\n',
      'p/app/cm.yaml': cm('config'),
    });
    const { objects } = await render(tree, 'p');
    expect(objects.map((o) => o.metadata.name).sort()).toEqual(['app-config', 'plain']);
  });

  it('renders the same input to the same JSON every time', async () => {
    const files = { 'p/b.yaml': cm('b'), 'p/a.yaml': deploy('a'), 'p/c/x.yaml': cm('x', 'web') };
    const one = JSON.stringify(await render(new MemoryTree(files), 'p'));
    const two = JSON.stringify(await render(new MemoryTree(Object.fromEntries(Object.entries(files).reverse())), 'p'));
    expect(one).toBe(two);
  });
});

describe('render: bad input is refused with the file and the reason', () => {
  it('refuses invalid YAML', async () => {
    const err = await renderError(
      new MemoryTree({ 'p/ok.yaml': cm('ok'), 'p/bad.yaml': 'kind: ConfigMap\nmetadata: [unclosed\n' }),
      'p',
    );
    expect(err.code).toBe(RenderErrorCode.InvalidYaml);
    expect(err.file).toBe('p/bad.yaml');
    expect(err.reason).toMatch(/line/);
  });

  it('refuses a YAML alias bomb', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [prev, name] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
      ['e', 'f'],
      ['f', 'g'],
      ['g', 'h'],
      ['h', 'i'],
    ]) {
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
    const err = await renderError(new MemoryTree({ 'p/bomb.yaml': bomb }), 'p');
    expect(err.code).toBe(RenderErrorCode.AliasLimit);
    expect(err.file).toBe('p/bomb.yaml');
  });

  it('refuses a file over the size cap and more documents than the cap', async () => {
    const big = await renderError(new MemoryTree({ 'p/big.yaml': `${cm('big')}  blob: ${'x'.repeat(2000)}\n` }), 'p', {
      maxFileBytes: 1024,
    });
    expect(big.code).toBe(RenderErrorCode.FileTooLarge);
    expect(big.reason).toContain('1024');
    const many = await renderError(
      new MemoryTree({ 'p/many.yaml': Array.from({ length: 6 }, (_, i) => cm(`c${i}`)).join('---\n') }),
      'p',
      { maxDocuments: 5 },
    );
    expect(many.code).toBe(RenderErrorCode.TooManyDocuments);
    expect(many.file).toBe('p/many.yaml');
  });

  it('refuses duplicate objects, naming both files', async () => {
    const err = await renderError(new MemoryTree({ 'p/a.yaml': cm('same', 'x'), 'p/b/c.yaml': cm('same', 'x') }), 'p');
    expect(err.code).toBe(RenderErrorCode.DuplicateObject);
    expect(err.file).toBe('p/b/c.yaml');
    expect(err.reason).toContain('p/a.yaml');
    expect(err.reason).toContain('x_same__ConfigMap');
  });

  it('refuses objects without apiVersion, kind or metadata.name', async () => {
    for (const [doc, missing] of [
      ['kind: ConfigMap\nmetadata:\n  name: a\n', 'apiVersion'],
      ['apiVersion: v1\nmetadata:\n  name: a\n', 'kind'],
      ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: a-\n', 'metadata.name'],
      ['- just\n- a list\n', 'mapping'],
    ] as const) {
      const err = await renderError(new MemoryTree({ 'p/x.yaml': doc }), 'p');
      expect(err.code).toBe(RenderErrorCode.InvalidObject);
      expect(err.file).toBe('p/x.yaml');
      expect(err.reason).toContain(missing);
    }
  });

  it('refuses paths that escape the repository', async () => {
    const tree = new MemoryTree({
      'a/kustomization.yaml': 'resources: [../../outside.yaml]\n',
      'b/kustomization.yaml': 'resources: [/etc/passwd]\n',
      'c/kustomization.yaml': 'resources: [cm.yaml]\npatches:\n  - path: ../../../patch.yaml\n',
      'c/cm.yaml': cm('c'),
      'd/kustomization.yaml': 'configMapGenerator:\n  - name: g\n    files: [../../secret.txt]\n',
    });
    for (const [path, file] of [
      ['a', 'a/kustomization.yaml'],
      ['b', 'b/kustomization.yaml'],
      ['c', 'c/kustomization.yaml'],
      ['d', 'd/kustomization.yaml'],
      ['../x', '../x'],
      ['/abs', '/abs'],
    ]) {
      const err = await renderError(tree, path);
      expect(err.code, path).toBe(RenderErrorCode.PathEscape);
      expect(err.file).toBe(file);
    }
  });

  it('refuses symlinks: a linked manifest, a linked resource directory, a linked path', async () => {
    const tree = new MemoryTree({
      'plain/ok.yaml': cm('ok'),
      'plain/link.yaml': { symlink: '../elsewhere.yaml' },
      'k/kustomization.yaml': 'resources: [../linked-base]\n',
      'linked-base': { symlink: 'real-base' },
      'real-base/kustomization.yaml': 'resources: []\n',
      via: { symlink: 'plain' },
    });
    for (const [path, file] of [
      ['plain', 'plain/link.yaml'],
      ['k', 'linked-base'],
      ['via', 'via'],
    ]) {
      const err = await renderError(tree, path);
      expect(err.code, path).toBe(RenderErrorCode.Symlink);
      expect(err.file).toBe(file);
    }
  });

  it('refuses a path that does not exist and a resource that does not exist', async () => {
    const tree = new MemoryTree({ 'k/kustomization.yaml': 'resources: [missing.yaml]\n' });
    expect((await renderError(tree, 'nope')).code).toBe(RenderErrorCode.PathNotFound);
    const err = await renderError(tree, 'k');
    expect(err.code).toBe(RenderErrorCode.NotFound);
    expect(err.reason).toContain('missing.yaml');
  });

  it('refuses files that are not UTF-8', async () => {
    const err = await renderError(new MemoryTree({ 'p/x.yaml': new Uint8Array([0x6b, 0x3a, 0x20, 0xff, 0xfe]) }), 'p');
    expect(err.code).toBe(RenderErrorCode.InvalidYaml);
    expect(err.reason).toContain('UTF-8');
  });

  it('serializes to JSON with code and data, and back', async () => {
    const err = await renderError(new MemoryTree({ 'p/x.yaml': 'a: [' }), 'p');
    const json = JSON.parse(JSON.stringify(err)) as { code: string; data: { file: string; reason: string } };
    expect(json.code).toBe('INVALID_YAML');
    expect(json.data.file).toBe('p/x.yaml');
    const back = RenderError.fromJSON(json as Parameters<typeof RenderError.fromJSON>[0]);
    expect(back.message).toBe(err.message);
  });
});

describe('render: objects are independent values', () => {
  it('does not share maps that YAML aliases tied together', async () => {
    const doc =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  labels: &l {app: d}\nspec:\n  template:\n    metadata:\n      labels: *l\n';
    const { objects } = await render(new MemoryTree({ 'p/d.yaml': doc }), 'p');
    const [d] = objects as unknown as Array<{
      metadata: { labels: Record<string, string> };
      spec: { template: { metadata: { labels: Record<string, string> } } };
    }>;
    d!.metadata.labels['owner'] = 'flotilla';
    expect(d!.spec.template.metadata.labels).toEqual({ app: 'd' });
  });
});

describe('render: parse cache', () => {
  it('parses an unchanged file once across renders and hands out independent copies', async () => {
    const cache = new ParseCache(100);
    const files = { 'p/a.yaml': cm('a'), 'p/b.yaml': cm('b') };
    const first = await render(new MemoryTree(files), 'p', { cache });
    first.objects[0]!.metadata.name = 'mutated';
    const second = await render(new MemoryTree({ ...files, 'p/b.yaml': cm('b2') }), 'p', { cache });
    expect(second.objects.map((o) => o.metadata.name)).toEqual(['a', 'b2']);
    expect(cache.hits).toBe(1);
    expect(cache.misses).toBe(3);
  });

  it('stays within its size bound', async () => {
    const cache = new ParseCache(2);
    await render(new MemoryTree({ 'p/a.yaml': cm('a'), 'p/b.yaml': cm('b'), 'p/c.yaml': cm('c') }), 'p', { cache });
    expect(cache.size).toBe(2);
  });
});

describe('render: reading ahead', () => {
  /** A MemoryTree whose reads finish only when released, and which records the order they start in. */
  class SlowTree extends MemoryTree {
    readonly started: string[] = [];
    inFlight = 0;
    maxInFlight = 0;
    override async readFile(path: string): Promise<Uint8Array> {
      this.started.push(path);
      this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
      await new Promise((r) => setTimeout(r, 5));
      this.inFlight--;
      return super.readFile(path);
    }
  }

  it('starts reading the next files of a directory before the first is parsed', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`p/f${String(i).padStart(2, '0')}.yaml`, cm(`c${i}`)]),
    );
    const tree = new SlowTree(files);
    const { objects } = await render(tree, 'p');
    expect(objects).toHaveLength(12);
    // Eight reads were in flight at once, started in directory order, each file read once.
    expect(tree.maxInFlight).toBe(8);
    expect(tree.started.slice(0, 8)).toEqual(Object.keys(files).slice(0, 8));
    expect(new Set(tree.started).size).toBe(12);
    expect(tree.started).toHaveLength(12);
  });

  it('still reports the first bad file in directory order, whatever finished reading first', async () => {
    const tree = new SlowTree({
      'p/a.yaml': cm('a'),
      'p/b.yaml': 'kind: [unclosed\n',
      'p/c.yaml': 'apiVersion: v1\nkind: ConfigMap\n',
      'p/d.yaml': cm('d'),
    });
    const err = await renderError(tree, 'p');
    expect(err.code).toBe(RenderErrorCode.InvalidYaml);
    expect(err.data.file).toBe('p/b.yaml');
  });
});

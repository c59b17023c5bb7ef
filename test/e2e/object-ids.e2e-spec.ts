/**
 * Hub and agent name every object the same way. For every Kustomize fixture of libs/gitops the hub
 * renders the path and writes the rendered tree as hydration commits it (apps/control-plane's
 * writeRenderTree: one YAML 1.1-safe file per object); the agent's own Renderer then renders that
 * tree. Both must find the same objects: the same ids (`<namespace>_<name>_<group>_<kind>`) and the
 * same content digests. A manifest that could make them differ (`__proto__` & co) is refused.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MemoryTree,
  objectDigest,
  objectId,
  render,
  type GitTreeEntry,
  type KubeObject,
  type MemoryTreeEntry,
} from '@flotilla/gitops';
import { writeRenderTree } from '../../apps/control-plane/src/modules/hydration/rendered-tree.js';
import { Renderer, withOwner } from '../../apps/agent/src/render/renderer.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'libs', 'gitops', 'test', 'fixtures');

/** Every file under the fixtures (they hold no symlinks), as one in-memory repository. */
function fixtureTree(): { tree: MemoryTree; files: string[] } {
  const entries: Record<string, MemoryTreeEntry> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const rel = relative(FIXTURES, p).split('\\').join('/');
      const st = lstatSync(p);
      if (st.isSymbolicLink()) throw new Error(`${rel}: a symlink among the fixtures; this test reads files only`);
      if (st.isDirectory()) walk(p);
      else entries[rel] = readFileSync(p);
    }
  };
  walk(FIXTURES);
  return { tree: new MemoryTree(entries), files: Object.keys(entries) };
}

/** The folders holding a kustomization that builds alone (not a Component), hostile ones aside. */
function kustomizations(files: readonly string[], read: (f: string) => string): string[] {
  return files
    .filter((f) => /(^|\/)kustomization\.yaml$/.test(f) && !f.startsWith('hostile/'))
    .filter((f) => !/^kind: Component$/m.test(read(f)))
    .map((f) => f.slice(0, -'/kustomization.yaml'.length));
}

/** What writeRenderTree writes, kept in memory and read back as the files the agent fetches. */
class MemoryStore {
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly trees = new Map<string, GitTreeEntry[]>();
  private id(kind: string, bytes: Uint8Array | string): string {
    return createHash('sha1').update(kind).update(bytes).digest('hex');
  }
  writeBlob(bytes: Uint8Array): Promise<string> {
    const oid = this.id('blob', bytes);
    this.blobs.set(oid, bytes);
    return Promise.resolve(oid);
  }
  writeTree(entries: GitTreeEntry[]): Promise<string> {
    const oid = this.id('tree', JSON.stringify(entries));
    this.trees.set(oid, entries);
    return Promise.resolve(oid);
  }
  files(oid: string, prefix: string, out: Record<string, MemoryTreeEntry> = {}): Record<string, MemoryTreeEntry> {
    for (const e of this.trees.get(oid) ?? []) {
      const path = `${prefix}/${e.path}`;
      if (e.type === 'tree') this.files(e.oid, path, out);
      else out[path] = this.blobs.get(e.oid)!;
    }
    return out;
  }
}

describe('hub and agent compute the same object ids', () => {
  const { tree, files } = fixtureTree();
  const read = (f: string) => readFileSync(join(FIXTURES, f), 'utf8');
  const paths = kustomizations(files, read);

  it('finds the fixtures', () => {
    expect(paths.length).toBeGreaterThanOrEqual(8);
  });

  it.each(paths)('%s: the agent renders the hydrated tree to the objects the hub rendered', async (path) => {
    const hub = (await render(tree, path)).objects;
    expect(hub.length).toBeGreaterThan(0);
    const store = new MemoryStore();
    const root = await writeRenderTree(store, hub, path);
    const rendered = new MemoryTree(store.files(root, 'clusters/c1'));
    const agent = await new Renderer('cluster-1').render(
      { revision: 'r', tree: rendered, fetched: false },
      'clusters/c1',
    );
    const ids = (objects: readonly KubeObject[]) => objects.map(objectId).sort();
    expect(ids(agent.objects)).toEqual(ids(hub));
    for (const obj of hub) {
      const id = objectId(obj);
      expect(agent.digests.get(id), id).toBe(objectDigest(withOwner(obj, 'cluster-1')));
    }
  });

  it.each(['hostile/proto-key', 'hostile/proto-pointer', 'hostile/constructor-patch'])(
    '%s is refused by the render hub and agent share',
    async (path) => {
      await expect(render(tree, path)).rejects.toThrow(/not allowed/);
      await expect(new Renderer('cluster-1').render({ revision: 'r', tree, fetched: false }, path)).rejects.toThrow(
        /not allowed/,
      );
    },
  );
});

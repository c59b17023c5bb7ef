/**
 * The hub keeps rendered objects as JSON (PostgreSQL jsonb) and the agent keeps what it rendered in
 * memory: both must name every object the same way. A key such as `__proto__` could make an object
 * inherit a namespace in memory that its JSON does not have, so such manifests are refused.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { objectId, render } from '../src/index.js';
import { FsTree } from './fs-tree.js';
import { OWN_FIXTURES } from './kubectl-reference.js';

const tree = new FsTree(OWN_FIXTURES);

/** A Component is built inside the kustomization that includes it (most do not build alone). */
function isComponent(file: string): boolean {
  return /^kind: Component$/m.test(readFileSync(file, 'utf8'));
}

/** Every folder under the fixtures holding a kustomization (not a Component), except the hostile ones. */
function kustomizations(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (!statSync(p).isDirectory())
      return name === 'kustomization.yaml' && !isComponent(p) ? [relative(OWN_FIXTURES, dir)] : [];
    return name === 'hostile' ? [] : kustomizations(p);
  });
}

function hasPlainPrototypes(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(hasPlainPrototypes);
  if (value === null || typeof value !== 'object') return true;
  return Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every(hasPlainPrototypes);
}

describe('object ids are the same in memory and after a JSON round trip', () => {
  const paths = kustomizations(OWN_FIXTURES);

  it('finds the fixtures', () => {
    expect(paths.length).toBeGreaterThanOrEqual(8);
  });

  it.each(paths)('%s renders to plain objects whose ids survive JSON', async (path) => {
    const { objects } = await render(tree, path);
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) {
      expect(hasPlainPrototypes(o), objectId(o)).toBe(true);
      expect(objectId(JSON.parse(JSON.stringify(o)) as typeof o)).toBe(objectId(o));
    }
  });

  it.each([
    ['hostile/proto-key', /configmap\.yaml.*key "metadata\.__proto__" is not allowed/s],
    ['hostile/proto-pointer', /JSON pointer "\/metadata\/__proto__\/namespace".*not allowed/s],
    ['hostile/constructor-patch', /patch\.yaml.*key "metadata\.constructor" is not allowed/s],
  ])('%s is refused, naming the file and key', async (path, message) => {
    await expect(render(tree, path)).rejects.toThrow(message);
  });
});

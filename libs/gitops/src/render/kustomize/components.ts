/**
 * `components:` — each entry is a directory holding a `kind: Component` kustomization. A component runs
 * after the including kustomization's resources and generators and before its transformers; it adds its
 * resources and generated objects to the including kustomization's accumulator and its patches and
 * transformers apply to everything accumulated so far (kustomize's accumulateComponents).
 */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { resolveRepoPath } from '../../tree/repo-path.js';
import type { RenderContext } from '../render-context.js';
import type { Accumulator } from './accumulator.js';
import type { Kustomization } from './kustomization.js';
import { stringList } from './kustomization.js';

export type BuildDirectory = (dir: string, referencedFrom: string, into: Accumulator) => Promise<unknown>;

export async function accumulateComponents(
  ctx: RenderContext,
  k: Kustomization,
  acc: Accumulator,
  buildComponent: BuildDirectory,
): Promise<void> {
  for (const entry of stringList(k, 'components')) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.startsWith('git@') || /^github\.com\//.test(entry))
      throw new RenderError(
        RenderErrorCode.UnsupportedField,
        k.file,
        `remote component "${entry}" is not supported; vendor it into the repository`,
      );
    const path = resolveRepoPath(k.dir, entry, k.file);
    const found = await ctx.entry(path);
    if (!found) throw new RenderError(RenderErrorCode.NotFound, k.file, `component "${entry}" does not exist`);
    if (found.type !== 'dir')
      throw new RenderError(
        RenderErrorCode.InvalidKustomization,
        k.file,
        `component "${entry}" is a file; components are directories holding a kind: Component kustomization`,
      );
    await buildComponent(path, k.file, acc);
  }
}

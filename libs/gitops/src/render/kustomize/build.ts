/** The kustomize build: accumulate resources (recursively), generate, patch and transform, then hash names and fix references. */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import type { KubeObject } from '../../objects/kube-object.js';
import { joinRepoPath, resolveRepoPath } from '../../tree/repo-path.js';
import { toKubeObjects } from '../manifest-objects.js';
import type { RenderContext } from '../render-context.js';
import { runTransformers } from './builtin-transformers.js';
import {
  COMMON_ANNOTATION_SPECS,
  COMMON_LABEL_SPECS,
  METADATA_LABEL_SPECS,
  TEMPLATES_AND_METADATA_LABEL_SPECS,
} from './field-specs.js';
import { runGenerators } from './generators.js';
import { applyImages, parseImageRules } from './images.js';
import type { Kustomization } from './kustomization.js';
import {
  checkKeys,
  checkKustomization,
  KUSTOMIZATION_FILE_NAMES,
  objectList,
  optionalString,
  stringList,
  stringMap,
} from './kustomization.js';
import { addNamePrefixSuffix, setLabelsOrAnnotations, setNamespace, setReplicas } from './meta-transforms.js';
import { generatedNameHash } from './name-hash.js';
import { fixNameReferences } from './name-references.js';
import { runJson6902Patches, runPatches } from './patches.js';
import type { Resource } from './resource.js';
import { newResource, rememberId, resourceId } from './resource.js';
import { duplicateError } from './duplicates.js';

/** The kustomization file of a directory, if it has one. */
export async function findKustomizationFile(ctx: RenderContext, dir: string): Promise<string | undefined> {
  const found: string[] = [];
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const path = joinRepoPath(dir, name);
    if ((await ctx.entry(path))?.type === 'file') found.push(path);
  }
  if (found.length > 1)
    throw new RenderError(
      RenderErrorCode.InvalidKustomization,
      dir,
      `directory has more than one kustomization file: ${found.join(', ')}`,
    );
  return found[0];
}

function addAll(into: Resource[], more: readonly Resource[]): void {
  const ids = new Map(into.map((r) => [resourceId(r), r]));
  for (const res of more) {
    const id = resourceId(res);
    const existing = ids.get(id);
    if (existing) throw duplicateError(id, existing, res);
    ids.set(id, res);
    into.push(res);
  }
}

function isRemote(entry: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) ||
    entry.startsWith('git@')
  );
}

async function accumulate(ctx: RenderContext, k: Kustomization, stack: readonly string[]): Promise<Resource[]> {
  const resources: Resource[] = [];
  for (const entry of [...stringList(k, 'resources'), ...stringList(k, 'bases')]) {
    if (isRemote(entry))
      throw new RenderError(
        RenderErrorCode.UnsupportedField,
        k.file,
        `remote resource "${entry}" is not supported; vendor it into the repository`,
      );
    const path = resolveRepoPath(k.dir, entry, k.file);
    const found = await ctx.entry(path);
    if (!found) throw new RenderError(RenderErrorCode.NotFound, k.file, `resource "${entry}" does not exist`);
    if (found.type === 'dir') {
      addAll(resources, await buildLevel(ctx, path, stack, k.file));
    } else {
      const objects = toKubeObjects(path, await ctx.readYamlDocuments(path, k.file, 'kustomize'));
      addAll(
        resources,
        objects.map((o) => newResource(o, path)),
      );
    }
  }
  return resources;
}

async function buildLevel(
  ctx: RenderContext,
  dir: string,
  stack: readonly string[],
  referencedFrom: string,
): Promise<Resource[]> {
  if (stack.includes(dir))
    throw new RenderError(
      RenderErrorCode.Cycle,
      referencedFrom,
      `kustomizations reference each other in a cycle: ${[...stack, dir].join(' → ')}`,
    );
  if (stack.length >= ctx.options.maxKustomizeDepth)
    throw new RenderError(
      RenderErrorCode.Cycle,
      referencedFrom,
      `kustomizations nest deeper than ${ctx.options.maxKustomizeDepth} levels`,
    );
  const file = await findKustomizationFile(ctx, dir);
  if (!file)
    throw new RenderError(RenderErrorCode.NotFound, referencedFrom, `directory "${dir}" has no kustomization.yaml`);
  const raw = await ctx.readYamlObject(file, referencedFrom);
  checkKustomization(file, raw);
  const k: Kustomization = { file, dir, raw };
  const resources = await accumulate(ctx, k, [...stack, dir]);
  await runGenerators(ctx, k, resources);
  await runPatches(ctx, k, resources);
  const namespace = optionalString(file, 'namespace', raw['namespace']);
  if (namespace) setNamespace(resources, namespace);
  addNamePrefixSuffix(
    resources,
    optionalString(file, 'namePrefix', raw['namePrefix']) ?? '',
    optionalString(file, 'nameSuffix', raw['nameSuffix']) ?? '',
  );
  setLabelsOrAnnotations(resources, COMMON_LABEL_SPECS, stringMap(file, 'commonLabels', raw['commonLabels']));
  for (const [i, entry] of objectList(k, 'labels').entries()) {
    checkKeys(file, `labels[${i}]`, entry, ['pairs', 'includeSelectors', 'includeTemplates']);
    const specs =
      entry['includeSelectors'] === true
        ? COMMON_LABEL_SPECS
        : entry['includeTemplates'] === true
          ? TEMPLATES_AND_METADATA_LABEL_SPECS
          : METADATA_LABEL_SPECS;
    setLabelsOrAnnotations(resources, specs, stringMap(file, `labels[${i}].pairs`, entry['pairs']));
  }
  setLabelsOrAnnotations(
    resources,
    COMMON_ANNOTATION_SPECS,
    stringMap(file, 'commonAnnotations', raw['commonAnnotations']),
  );
  await runJson6902Patches(ctx, k, resources);
  for (const [i, entry] of objectList(k, 'replicas').entries()) {
    checkKeys(file, `replicas[${i}]`, entry, ['name', 'count']);
    if (typeof entry['name'] !== 'string' || !Number.isInteger(entry['count']))
      throw new RenderError(
        RenderErrorCode.InvalidKustomization,
        file,
        `replicas[${i}] needs a name and an integer count`,
      );
    if (setReplicas(resources, entry['name'], entry['count'] as number) === 0)
      throw new RenderError(RenderErrorCode.NotFound, file, `replicas[${i}]: no workload named "${entry['name']}"`);
  }
  applyImages(resources, parseImageRules(file, objectList(k, 'images')));
  await runTransformers(ctx, k, resources);
  checkUnique(resources);
  return resources;
}

function checkUnique(resources: readonly Resource[]): void {
  addAll([], resources);
}

/** Builds the kustomization in `dir` into final objects (names hashed, references fixed). */
export async function buildKustomization(
  ctx: RenderContext,
  dir: string,
  referencedFrom = dir,
): Promise<Array<{ obj: KubeObject; file: string }>> {
  const resources = await buildLevel(ctx, dir, [], referencedFrom);
  for (const res of resources) {
    if (!res.hashSuffix) continue;
    rememberId(res);
    res.obj.metadata.name = `${res.obj.metadata.name}-${generatedNameHash(res.obj)}`;
  }
  fixNameReferences(resources);
  checkUnique(resources);
  for (const { obj } of resources) {
    // kustomize drops an empty annotations map (it strips its own internal annotations there).
    const annotations = obj.metadata.annotations;
    if (annotations === null || (annotations !== undefined && Object.keys(annotations).length === 0))
      delete obj.metadata.annotations;
  }
  return resources.map((r) => ({ obj: r.obj, file: r.file }));
}

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
import { applyBuildMetadata, parseBuildMetadata } from './build-metadata.js';
import { accumulateComponents } from './components.js';
import { loadCrds } from './crds.js';
import { runGenerators } from './generators.js';
import { applyImages, parseImageRules, rewriteImageByRules } from './images.js';
import type { Accumulator } from './accumulator.js';
import { mergeChild, newAccumulator } from './accumulator.js';
import {
  loadConfigurations,
  parseFieldSpecList,
  setCustomPairs,
  setCustomReplicas,
  setCustomScalars,
} from './configurations.js';
import { fixConfiguredNameReferences } from './configured-name-references.js';
import { runHelmCharts } from './helm-charts.js';
import type { Kustomization } from './kustomization.js';
import {
  checkKeys,
  checkKustomization,
  isComponent,
  KUSTOMIZATION_FILE_NAMES,
  objectList,
  optionalString,
  stringList,
  stringMap,
} from './kustomization.js';
import { addNamePrefixSuffix, setLabelsOrAnnotations, setNamespace, setReplicas } from './meta-transforms.js';
import { recordAffixes } from './name-affixes.js';
import { generatedNameHash } from './name-hash.js';
import { fixNameReferences } from './name-references.js';
import { runJson6902Patches, runPatches } from './patches.js';
import { runReplacements } from './replacements.js';
import { kustomizeOrder, parseSortOptions } from './sort-options.js';
import type { Resource } from './resource.js';
import { mergeVars, parseVars, resolveVars } from './vars.js';
import { newResource, rememberId, resourceId } from './resource.js';
import { duplicateError } from './duplicates.js';
import { applyOpenApi } from './openapi.js';
import { isRemote } from './remote.js';

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

async function accumulate(
  ctx: RenderContext,
  k: Kustomization,
  stack: readonly string[],
  acc: Accumulator,
): Promise<void> {
  const resources = acc.resources;
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
      const child = await buildLevel(ctx, path, stack, k.file);
      addAll(resources, child.resources);
      mergeChild(acc, child);
    } else {
      const objects = toKubeObjects(path, await ctx.readYamlDocuments(path, k.file, 'kustomize'));
      addAll(
        resources,
        objects.map((o) => newResource(o, path)),
      );
    }
  }
}

/**
 * Builds the kustomization in `dir`. A Kustomization gets its own accumulator; a Component (named from
 * `components:`) is given its includer's, adds to it and transforms all of it.
 */
async function buildLevel(
  ctx: RenderContext,
  dir: string,
  stack: readonly string[],
  referencedFrom: string,
  component?: Accumulator,
): Promise<Accumulator> {
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
  await applyOpenApi(ctx, k, stack.length === 0);
  if (component && !isComponent(k))
    throw new RenderError(
      RenderErrorCode.InvalidKustomization,
      referencedFrom,
      `expected kind 'Component' for path '${dir}' but got '${String(raw['kind'] ?? 'Kustomization')}'`,
    );
  if (!component && isComponent(k) && stack.length > 0)
    throw new RenderError(
      RenderErrorCode.InvalidKustomization,
      referencedFrom,
      `expected kind != 'Component' for path '${dir}': list a Component under components, not resources`,
    );
  const acc = component ?? newAccumulator();
  if (stack.length === 0 && !component) {
    acc.sort = parseSortOptions(file, raw['sortOptions']);
    acc.buildMetadata = parseBuildMetadata(file, raw['buildMetadata']);
  }
  const inner = [...stack, dir];
  await accumulate(ctx, k, inner, acc);
  const resources = acc.resources;
  const { config } = acc;
  await loadConfigurations(ctx, k, config);
  await loadCrds(ctx, k, config);
  await runGenerators(ctx, k, resources);
  await runHelmCharts(ctx, k, resources);
  await accumulateComponents(ctx, k, acc, (path, from, into) => buildLevel(ctx, path, inner, from, into));
  await runPatches(ctx, k, resources);
  const namespace = optionalString(file, 'namespace', raw['namespace']);
  if (namespace) {
    setNamespace(resources, namespace);
    setCustomScalars(resources, config.namespace, () => namespace);
  }
  const prefix = optionalString(file, 'namePrefix', raw['namePrefix']) ?? '';
  const suffix = optionalString(file, 'nameSuffix', raw['nameSuffix']) ?? '';
  const namesBefore = resources.map((r) => r.obj.metadata.name);
  addNamePrefixSuffix(resources, prefix, suffix);
  recordAffixes(resources, namesBefore, prefix, suffix);
  if (prefix) setCustomScalars(resources, config.namePrefix, (v) => (v === undefined ? v : `${prefix}${v}`));
  if (suffix) setCustomScalars(resources, config.nameSuffix, (v) => (v === undefined ? v : `${v}${suffix}`));
  const commonLabels = stringMap(file, 'commonLabels', raw['commonLabels']);
  setLabelsOrAnnotations(resources, COMMON_LABEL_SPECS, commonLabels);
  setCustomPairs(resources, config.commonLabels, commonLabels);
  for (const [i, entry] of objectList(k, 'labels').entries()) {
    checkKeys(file, `labels[${i}]`, entry, ['pairs', 'includeSelectors', 'includeTemplates', 'fields']);
    const specs =
      entry['includeSelectors'] === true
        ? COMMON_LABEL_SPECS
        : entry['includeTemplates'] === true
          ? TEMPLATES_AND_METADATA_LABEL_SPECS
          : METADATA_LABEL_SPECS;
    const pairs = stringMap(file, `labels[${i}].pairs`, entry['pairs']);
    setLabelsOrAnnotations(resources, specs, pairs);
    if (entry['includeSelectors'] === true) setCustomPairs(resources, config.commonLabels, pairs);
    else if (entry['includeTemplates'] === true) setCustomPairs(resources, config.templateLabels, pairs);
    setCustomPairs(resources, parseFieldSpecList(file, `labels[${i}].fields`, entry['fields']), pairs);
  }
  const commonAnnotations = stringMap(file, 'commonAnnotations', raw['commonAnnotations']);
  setLabelsOrAnnotations(resources, COMMON_ANNOTATION_SPECS, commonAnnotations);
  setCustomPairs(resources, config.commonAnnotations, commonAnnotations);
  await runJson6902Patches(ctx, k, resources);
  for (const [i, entry] of objectList(k, 'replicas').entries()) {
    checkKeys(file, `replicas[${i}]`, entry, ['name', 'count']);
    if (typeof entry['name'] !== 'string' || !Number.isInteger(entry['count']))
      throw new RenderError(
        RenderErrorCode.InvalidKustomization,
        file,
        `replicas[${i}] needs a name and an integer count`,
      );
    const matched =
      setReplicas(resources, entry['name'], entry['count'] as number) +
      setCustomReplicas(resources, config.replicas, entry['name'], entry['count'] as number);
    if (matched === 0)
      throw new RenderError(RenderErrorCode.NotFound, file, `replicas[${i}]: no workload named "${entry['name']}"`);
  }
  const imageRules = parseImageRules(file, objectList(k, 'images'));
  applyImages(resources, imageRules);
  if (imageRules.length) setCustomScalars(resources, config.images, (v) => v && rewriteImageByRules(v, imageRules));
  await runReplacements(ctx, k, resources);
  await runTransformers(ctx, k, resources);
  checkUnique(resources);
  mergeVars(acc.vars, parseVars(k), resources);
  return acc;
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
  const { resources: accumulated, config, vars, sort, buildMetadata } = await buildLevel(ctx, dir, [], referencedFrom);
  const resources = sort ? kustomizeOrder(accumulated, sort) : accumulated;
  for (const res of resources) {
    if (!res.hashSuffix) continue;
    rememberId(res);
    res.obj.metadata.name = `${res.obj.metadata.name}-${generatedNameHash(res.obj)}`;
  }
  fixNameReferences(resources);
  fixConfiguredNameReferences(resources, config.nameReference);
  resolveVars(vars, resources, config.varReference);
  if (buildMetadata) applyBuildMetadata(resources, dir, buildMetadata);
  checkUnique(resources);
  for (const { obj } of resources) {
    stringifyAnnotations(obj);
    // kustomize drops an empty annotations map (it strips its own internal annotations there).
    const annotations = obj.metadata.annotations;
    if (annotations === null || (annotations !== undefined && Object.keys(annotations).length === 0))
      delete obj.metadata.annotations;
  }
  return resources.map((r) => ({ obj: r.obj, file: r.file }));
}

/**
 * kustomize rewrites every annotations map as strings (it strips its own internal annotations
 * there): a number or boolean becomes its text, an empty value (`key:`) an empty string. It writes
 * an explicit `key: null` as the text "null"; Flotilla reads both forms as null and writes "".
 */
function stringifyAnnotations(obj: KubeObject): void {
  const annotations = obj.metadata.annotations as Record<string, unknown> | null | undefined;
  if (!annotations || typeof annotations !== 'object') return;
  for (const [key, value] of Object.entries(annotations)) {
    if (value === null) annotations[key] = '';
    else if (typeof value === 'number' || typeof value === 'boolean') annotations[key] = String(value);
  }
}

/** `patches`, `patchesStrategicMerge` and `patchesJson6902`: which resources a patch hits, and applying it. */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import type { KubeObject } from '../../objects/kube-object.js';
import { parseApiVersion } from '../../objects/kube-object.js';
import { BUILTIN_CLUSTER_SCOPED, BUILTIN_NAMESPACED } from '../../objects/scope.js';
import { resolveRepoPath } from '../../tree/repo-path.js';
import { isPlainObject, parseYamlDocuments } from '../../yaml/parse-manifests.js';
import type { RenderContext } from '../render-context.js';
import { applyJsonPatch, isJsonPatchOps } from './json6902.js';
import type { Kustomization } from './kustomization.js';
import { checkKeys, objectList, stringList } from './kustomization.js';
import type { Resource } from './resource.js';
import { hadName } from './resource.js';
import type { KustomizeSchema } from './openapi.js';
import type { MergeOptions } from './strategic-merge.js';
import { builtinMergeSchema, isDeletePatch, StrategicMergeError, strategicMerge } from './strategic-merge.js';

const SELECTOR_KEYS = ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'];

type Predicate = (res: Resource) => boolean;

function anchored(file: string, field: string, pattern: unknown): RegExp | undefined {
  if (pattern === undefined || pattern === null || pattern === '') return undefined;
  try {
    return new RegExp(`^(?:${String(pattern)})$`);
  } catch {
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `${field}: invalid pattern "${String(pattern)}"`);
  }
}

/** Equality-based selectors only: `a=b,c!=d,e` (set-based `in (...)` is refused). */
function selectorPredicate(
  file: string,
  field: string,
  selector: unknown,
  pick: (o: KubeObject) => Record<string, string> | undefined,
): Predicate | undefined {
  if (selector === undefined || selector === null || selector === '') return undefined;
  const clauses = String(selector)
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const tests = clauses.map((clause) => {
    const m = /^([^!=\s]+)\s*(==|=|!=)?\s*([^!=\s]*)$/.exec(clause);
    if (!m)
      throw new RenderError(
        RenderErrorCode.UnsupportedField,
        file,
        `${field}: selector "${clause}" is not supported (only key, key=value, key!=value)`,
      );
    const [, key, op, value] = m as unknown as [string, string, string | undefined, string];
    return (labels: Record<string, string>) =>
      op === undefined ? key in labels : op === '!=' ? labels[key] !== value : labels[key] === value;
  });
  return (res) => tests.every((t) => t(pick(res.obj) ?? {}));
}

export function targetPredicate(file: string, field: string, target: Record<string, unknown>): Predicate {
  checkKeys(file, field, target, SELECTOR_KEYS);
  const re = Object.fromEntries(
    ['group', 'version', 'kind', 'name', 'namespace'].map((k) => [k, anchored(file, `${field}.${k}`, target[k])]),
  );
  const labels = selectorPredicate(file, `${field}.labelSelector`, target['labelSelector'], (o) => o.metadata.labels);
  const annotations = selectorPredicate(
    file,
    `${field}.annotationSelector`,
    target['annotationSelector'],
    (o) => o.metadata.annotations,
  );
  return (res) => {
    const { group, version } = parseApiVersion(res.obj.apiVersion);
    const names = [res.obj.metadata.name, ...res.history.map((h) => h.name)];
    return (
      (!re['group'] || re['group'].test(group)) &&
      (!re['version'] || re['version'].test(version)) &&
      (!re['kind'] || re['kind'].test(res.obj.kind)) &&
      (!re['name'] || names.some((n) => re['name']?.test(n))) &&
      (!re['namespace'] || re['namespace'].test(res.obj.metadata.namespace ?? '')) &&
      (!labels || labels(res)) &&
      (!annotations || annotations(res))
    );
  };
}

/** A strategic merge patch without target hits the resource with its kind, name (and namespace, group if given). */
function identityPredicate(patch: Record<string, unknown>): Predicate {
  const meta = isPlainObject(patch['metadata']) ? patch['metadata'] : {};
  const group = typeof patch['apiVersion'] === 'string' ? parseApiVersion(patch['apiVersion']).group : undefined;
  return (res) =>
    res.obj.kind === patch['kind'] &&
    hadName(res, String(meta['name'])) &&
    (group === undefined || parseApiVersion(res.obj.apiVersion).group === group) &&
    (typeof meta['namespace'] !== 'string' ||
      (res.obj.metadata.namespace ?? '') === meta['namespace'] ||
      res.history.some((h) => h.namespace === meta['namespace']));
}

/** Kinds that kustomize's built-in schema lacks although Kubernetes serves them: a JSON merge patch, as kubectl. */
const OUTSIDE_KUSTOMIZE_SCHEMA = new Set(['apiextensions.k8s.io/CustomResourceDefinition']);

/**
 * The schema a patch on `obj` merges with: kustomize looks the target's type up, then the patch's. A
 * custom `openapi` schema replaces the built-in one for every kind.
 */
function mergeOptionsFor(schema: KustomizeSchema, obj: KubeObject, patch: Record<string, unknown>): MergeOptions {
  const key = `${parseApiVersion(obj.apiVersion).group}/${obj.kind}`;
  const builtin =
    !OUTSIDE_KUSTOMIZE_SCHEMA.has(key) && (BUILTIN_NAMESPACED.has(key) || BUILTIN_CLUSTER_SCOPED.has(key));
  if (schema.kind === 'custom')
    return {
      schema:
        schema.schema.forType(obj.apiVersion, obj.kind) ?? schema.schema.forType(patch['apiVersion'], patch['kind']),
      dropNulls: builtin,
    };
  return { schema: builtin ? builtinMergeSchema(obj.kind) : undefined, dropNulls: builtin };
}

interface PatchSource {
  docs: unknown[];
  file: string;
}

async function loadPatch(
  ctx: RenderContext,
  k: Kustomization,
  entry: Record<string, unknown>,
  field: string,
): Promise<PatchSource> {
  if (typeof entry['path'] === 'string') {
    const path = resolveRepoPath(k.dir, entry['path'], k.file);
    return { docs: await ctx.readYamlDocuments(path, k.file, 'kustomize'), file: path };
  }
  if (typeof entry['patch'] === 'string')
    return {
      docs: parseYamlDocuments(k.file, new TextEncoder().encode(entry['patch']), ctx.options, 'kustomize'),
      file: k.file,
    };
  throw new RenderError(RenderErrorCode.InvalidKustomization, k.file, `${field} needs a "path" or a "patch"`);
}

/** A patch never renames or re-kinds its target: its apiVersion, kind, name and namespace only select. */
function withoutIdentity(patch: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _v, kind: _k, ...rest } = patch;
  if (isPlainObject(rest['metadata'])) {
    const { name: _n, namespace: _ns, ...meta } = rest['metadata'];
    rest['metadata'] = meta;
  }
  return rest;
}

interface OnePatch {
  src: PatchSource;
  doc: unknown;
  match: Predicate;
  label: string;
  /** The schema strategic merges use (the build's `openapi`). */
  schema: KustomizeSchema;
  onNoTarget?: () => void;
}

function applyOne(resources: Resource[], { src, doc, match, label, schema, onNoTarget }: OnePatch): void {
  const hits = resources.filter(match);
  if (hits.length === 0 && onNoTarget) return onNoTarget();
  if (hits.length === 0) throw new RenderError(RenderErrorCode.PatchFailed, src.file, `${label} matches no resource`);
  for (const res of hits) {
    if (isJsonPatchOps(doc)) {
      try {
        res.obj = applyJsonPatch(res.obj, doc) as KubeObject;
      } catch (e) {
        throw new RenderError(
          RenderErrorCode.PatchFailed,
          src.file,
          `${label} on ${res.obj.kind}/${res.obj.metadata.name}: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    } else if (isPlainObject(doc)) {
      if (isDeletePatch(doc)) resources.splice(resources.indexOf(res), 1);
      else {
        try {
          res.obj = strategicMerge(res.obj, withoutIdentity(doc), mergeOptionsFor(schema, res.obj, doc)) as KubeObject;
        } catch (e) {
          if (!(e instanceof StrategicMergeError)) throw e;
          throw new RenderError(
            RenderErrorCode.PatchFailed,
            src.file,
            `${label} on ${res.obj.kind}/${res.obj.metadata.name}: ${e.message}`,
          );
        }
      }
    } else
      throw new RenderError(
        RenderErrorCode.PatchFailed,
        src.file,
        `${label} is neither a strategic merge patch nor a JSON 6902 list`,
      );
  }
}

/** `patchesStrategicMerge` then `patches` (kustomize runs these before namespace/prefix/labels). */
export async function runPatches(ctx: RenderContext, k: Kustomization, resources: Resource[]): Promise<void> {
  await runStrategicMergeFiles(ctx, k, resources);
  await runPatchList(ctx, k, resources, 'patches');
}

/** `patchesJson6902` (kustomize runs these after labels and annotations). */
export async function runJson6902Patches(ctx: RenderContext, k: Kustomization, resources: Resource[]): Promise<void> {
  await runPatchList(ctx, k, resources, 'patchesJson6902');
}

async function runStrategicMergeFiles(ctx: RenderContext, k: Kustomization, resources: Resource[]): Promise<void> {
  for (const [i, entry] of stringList(k, 'patchesStrategicMerge').entries()) {
    const inline = entry.includes('\n') || entry.trimStart().startsWith('apiVersion');
    const path = inline ? k.file : resolveRepoPath(k.dir, entry, k.file);
    const docs = inline
      ? parseYamlDocuments(k.file, new TextEncoder().encode(entry), ctx.options, 'kustomize')
      : await ctx.readYamlDocuments(path, k.file, 'kustomize');
    const src: PatchSource = { docs, file: path };
    for (const doc of src.docs) {
      if (!isPlainObject(doc))
        throw new RenderError(RenderErrorCode.PatchFailed, src.file, `patchesStrategicMerge[${i}] is not a mapping`);
      applyOne(resources, {
        src,
        doc,
        match: identityPredicate(doc),
        label: `patchesStrategicMerge[${i}] (${String(doc['kind'])} ${String((doc['metadata'] as Record<string, unknown> | undefined)?.['name'])})`,
        schema: ctx.kustomizeSchema,
      });
    }
  }
}

async function runPatchList(
  ctx: RenderContext,
  k: Kustomization,
  resources: Resource[],
  field: 'patches' | 'patchesJson6902',
): Promise<void> {
  for (const [i, entry] of objectList(k, field).entries()) {
    const where = `${field}[${i}]`;
    checkKeys(k.file, where, entry, ['path', 'patch', 'target']);
    const src = await loadPatch(ctx, k, entry, where);
    const target = isPlainObject(entry['target'])
      ? targetPredicate(k.file, `${where}.target`, entry['target'])
      : undefined;
    for (const doc of src.docs) {
      if (isJsonPatchOps(doc) && !target)
        throw new RenderError(
          RenderErrorCode.InvalidKustomization,
          k.file,
          `${where}: a JSON 6902 patch needs a target`,
        );
      if (!isJsonPatchOps(doc) && field === 'patchesJson6902')
        throw new RenderError(RenderErrorCode.PatchFailed, src.file, `${where} is not a JSON 6902 operation list`);
      const match = target ?? (isPlainObject(doc) ? identityPredicate(doc) : () => false);
      // A patch with a target that selects nothing is skipped, as kubectl does; without a target it must hit.
      const skip = target
        ? () => ctx.warn(k.file, `${where} (${src.file}): its target matches no resource`)
        : undefined;
      applyOne(resources, { src, doc, match, label: where, schema: ctx.kustomizeSchema, onNoTarget: skip });
    }
  }
}

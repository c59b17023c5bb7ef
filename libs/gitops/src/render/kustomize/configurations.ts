/**
 * `configurations:` — files of custom field specs (kustomize's TransformerConfig): where namePrefix/
 * nameSuffix, namespace, commonLabels, templateLabels, commonAnnotations, images and replicas write,
 * which fields name other objects (nameReference) and where `$(VAR)` is substituted (varReference).
 * They add to the built-in specs; a spec equal to a built-in one is dropped, as kustomize merges them.
 * Configs travel up: a parent's transformers use its children's configurations too.
 */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import type { KubeObject } from '../../objects/kube-object.js';
import { resolveRepoPath } from '../../tree/repo-path.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';
import type { RenderContext } from '../render-context.js';
import type { FieldSpec } from './field-specs.js';
import { COMMON_ANNOTATION_SPECS, COMMON_LABEL_SPECS, fieldSpecMatches, TEMPLATE_LABEL_SPECS } from './field-specs.js';
import { splitPath, walkPath } from './field-path.js';
import type { Kustomization } from './kustomization.js';
import { stringList } from './kustomization.js';
import type { Resource } from './resource.js';

export interface NameReferenceConfig {
  group?: string;
  version?: string;
  kind: string;
  fieldSpecs: FieldSpec[];
}

export const SPEC_LISTS = [
  'namePrefix',
  'nameSuffix',
  'namespace',
  'commonLabels',
  'templateLabels',
  'commonAnnotations',
  'images',
  'replicas',
  'varReference',
] as const;
export type SpecList = (typeof SPEC_LISTS)[number];

export type TransformerConfig = Record<SpecList, FieldSpec[]> & { nameReference: NameReferenceConfig[] };

export function emptyConfig(): TransformerConfig {
  return {
    namePrefix: [],
    nameSuffix: [],
    namespace: [],
    commonLabels: [],
    templateLabels: [],
    commonAnnotations: [],
    images: [],
    replicas: [],
    varReference: [],
    nameReference: [],
  };
}

const REPLICA_DEFAULTS: FieldSpec[] = ['Deployment', 'ReplicationController', 'ReplicaSet', 'StatefulSet'].map(
  (kind) => ({ path: 'spec/replicas', create: true, kind }),
);
const IMAGE_DEFAULTS: FieldSpec[] = [
  'spec/containers[]/image',
  'spec/initContainers[]/image',
  'spec/template/spec/containers[]/image',
  'spec/template/spec/initContainers[]/image',
].map((path) => ({ path, create: true }));

/** The built-in specs Flotilla's transformers already cover; equal custom specs are dropped. */
const BUILT_IN: Partial<Record<SpecList, readonly FieldSpec[]>> = {
  namePrefix: [{ path: 'metadata/name' }],
  nameSuffix: [{ path: 'metadata/name' }],
  namespace: [{ path: 'metadata/namespace', create: true }],
  commonLabels: COMMON_LABEL_SPECS,
  templateLabels: TEMPLATE_LABEL_SPECS,
  commonAnnotations: COMMON_ANNOTATION_SPECS,
  images: IMAGE_DEFAULTS,
  replicas: REPLICA_DEFAULTS,
};

function sameSpec(a: FieldSpec, b: FieldSpec): boolean {
  const norm = (p: string) => p.replace(/\[\]/g, '');
  return (
    norm(a.path) === norm(b.path) &&
    (a.group ?? '') === (b.group ?? '') &&
    (a.version ?? '') === (b.version ?? '') &&
    (a.kind ?? '') === (b.kind ?? '')
  );
}

function addSpecs(into: FieldSpec[], more: readonly FieldSpec[], builtIn: readonly FieldSpec[] = []): void {
  for (const fs of more) if (!into.some((x) => sameSpec(x, fs)) && !builtIn.some((x) => sameSpec(x, fs))) into.push(fs);
}

/** Merges `more` into `into` (kustomize's TransformerConfig.Merge). */
export function mergeConfig(into: TransformerConfig, more: TransformerConfig): void {
  for (const list of SPEC_LISTS) addSpecs(into[list], more[list], BUILT_IN[list]);
  for (const ref of more.nameReference) {
    const same = into.nameReference.find(
      (r) => r.kind === ref.kind && (r.group ?? '') === (ref.group ?? '') && (r.version ?? '') === (ref.version ?? ''),
    );
    if (same) addSpecs(same.fieldSpecs, ref.fieldSpecs);
    else into.nameReference.push({ ...ref, fieldSpecs: [...ref.fieldSpecs] });
  }
}

function optional(file: string, where: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `${where} must be a string`);
  return value;
}

export function parseFieldSpecList(file: string, where: string, raw: unknown): FieldSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw))
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `${where} must be a list of field specs`);
  return raw.map((fs, i) => {
    if (!isPlainObject(fs) || typeof fs['path'] !== 'string' || fs['path'] === '')
      throw new RenderError(RenderErrorCode.InvalidKustomization, file, `${where}[${i}] needs a path`);
    return {
      path: fs['path'],
      create: fs['create'] === true,
      group: optional(file, `${where}[${i}].group`, fs['group']),
      version: optional(file, `${where}[${i}].version`, fs['version']),
      kind: optional(file, `${where}[${i}].kind`, fs['kind']),
    };
  });
}

/** One configuration file (unknown keys are ignored, as kustomize reads it without strict fields). */
export function parseConfig(file: string, raw: unknown): TransformerConfig {
  const config = emptyConfig();
  if (raw === undefined || raw === null) return config;
  if (!isPlainObject(raw))
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, 'a configurations file must be a mapping');
  for (const list of SPEC_LISTS) config[list] = parseFieldSpecList(file, list, raw[list]);
  const refs = raw['nameReference'];
  if (refs !== undefined && refs !== null) {
    if (!Array.isArray(refs))
      throw new RenderError(RenderErrorCode.InvalidKustomization, file, 'nameReference must be a list');
    config.nameReference = refs.map((ref, i) => {
      if (!isPlainObject(ref) || typeof ref['kind'] !== 'string')
        throw new RenderError(RenderErrorCode.InvalidKustomization, file, `nameReference[${i}] needs a kind`);
      return {
        kind: ref['kind'],
        group: optional(file, `nameReference[${i}].group`, ref['group']),
        version: optional(file, `nameReference[${i}].version`, ref['version']),
        fieldSpecs: parseFieldSpecList(file, `nameReference[${i}].fieldSpecs`, ref['fieldSpecs']),
      };
    });
  }
  return config;
}

/** Reads the kustomization's `configurations:` files into `into`. */
export async function loadConfigurations(ctx: RenderContext, k: Kustomization, into: TransformerConfig): Promise<void> {
  for (const entry of stringList(k, 'configurations')) {
    const path = resolveRepoPath(k.dir, entry, k.file);
    for (const doc of await ctx.readYamlDocuments(path, k.file)) mergeConfig(into, parseConfig(path, doc));
  }
}

/** Calls `visit` on each value the specs select in `obj`; `leaf` is what `create` makes at the end. */
export function visitSpecs(
  obj: KubeObject,
  specs: readonly FieldSpec[],
  leaf: 'map' | 'string',
  visit: (value: unknown, set: (v: unknown) => void) => void,
): void {
  for (const fs of specs) {
    if (!fieldSpecMatches(obj, fs)) continue;
    walkPath(obj, splitPath(fs.path), fs.create ? leaf : undefined, visit);
  }
}

/** Custom label/annotation specs: set `pairs` in each map found (or created). */
export function setCustomPairs(
  resources: readonly Resource[],
  specs: readonly FieldSpec[],
  pairs: Record<string, string>,
): void {
  if (specs.length === 0 || Object.keys(pairs).length === 0) return;
  for (const { obj } of resources)
    visitSpecs(obj, specs, 'map', (value) => {
      if (isPlainObject(value)) Object.assign(value, pairs);
    });
}

/** Custom scalar specs (namespace, name prefix/suffix, images): `update` maps the old string to the new. */
export function setCustomScalars(
  resources: readonly Resource[],
  specs: readonly FieldSpec[],
  update: (old: string | undefined, res: Resource) => string | undefined,
): void {
  if (specs.length === 0) return;
  for (const res of resources)
    visitSpecs(res.obj, specs, 'string', (value, set) => {
      if (value !== undefined && typeof value !== 'string') return;
      const next = update(value, res);
      if (next !== undefined && next !== value) set(next);
    });
}

/** Custom `replicas` specs: sets the count at each spec's path in objects named `name`; returns how many matched. */
export function setCustomReplicas(
  resources: readonly Resource[],
  specs: readonly FieldSpec[],
  name: string,
  count: number,
): number {
  let matched = 0;
  for (const res of resources) {
    if (res.obj.metadata.name !== name && !res.history.some((h) => h.name === name)) continue;
    for (const fs of specs) {
      if (!fieldSpecMatches(res.obj, fs)) continue;
      matched++;
      walkPath(res.obj, splitPath(fs.path), fs.create ? 'string' : undefined, (_value, set) => set(count));
    }
  }
  return matched;
}

/** Loads a kustomization file and checks that it uses only the supported subset (see ../kustomize.md). */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';

export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Top-level fields we implement. Anything else is refused, naming the field. */
export const SUPPORTED_FIELDS = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'bases',
  'namespace',
  'namePrefix',
  'nameSuffix',
  'labels',
  'commonLabels',
  'commonAnnotations',
  'images',
  'replicas',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'transformers',
  'sortOptions',
  'components',
  'configurations',
  'vars',
  'replacements',
  'helmCharts',
  'helmGlobals',
  'buildMetadata',
  'crds',
  'openapi',
]);

export const KUSTOMIZATION_API_VERSION = 'kustomize.config.k8s.io/v1beta1';
export const COMPONENT_API_VERSION = 'kustomize.config.k8s.io/v1alpha1';

export interface Kustomization {
  file: string;
  dir: string;
  raw: Record<string, unknown>;
}

export function isComponent(k: Kustomization): boolean {
  return k.raw['kind'] === 'Component';
}

export function checkKustomization(file: string, raw: Record<string, unknown>): void {
  const kind = raw['kind'];
  if (kind !== undefined && kind !== 'Kustomization' && kind !== 'Component') {
    throw new RenderError(
      RenderErrorCode.UnsupportedField,
      file,
      `kind "${String(kind)}" is not supported (only Kustomization and Component)`,
    );
  }
  const apiVersion = raw['apiVersion'];
  const wanted = kind === 'Component' ? COMPONENT_API_VERSION : KUSTOMIZATION_API_VERSION;
  if (apiVersion !== undefined && apiVersion !== null && apiVersion !== '' && apiVersion !== wanted)
    throw new RenderError(
      RenderErrorCode.InvalidKustomization,
      file,
      `apiVersion for ${String(kind ?? 'Kustomization')} should be ${wanted}, not "${String(apiVersion)}"`,
    );
  for (const key of Object.keys(raw)) {
    if (!SUPPORTED_FIELDS.has(key)) {
      throw new RenderError(
        RenderErrorCode.UnsupportedField,
        file,
        `kustomization field "${key}" is not supported by Flotilla's kustomize subset`,
      );
    }
  }
}

/** Typed accessors that fail with the field's name when the shape is wrong. */
export function stringList(k: Kustomization, field: string): string[] {
  const value = k.raw[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new RenderError(RenderErrorCode.InvalidKustomization, k.file, `"${field}" must be a list of strings`);
  }
  return value as string[];
}

export function objectList(k: Kustomization, field: string): Array<Record<string, unknown>> {
  const value = k.raw[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => !isPlainObject(v))) {
    throw new RenderError(RenderErrorCode.InvalidKustomization, k.file, `"${field}" must be a list of mappings`);
  }
  return value as Array<Record<string, unknown>>;
}

export function stringMap(file: string, field: string, value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value))
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `"${field}" must be a mapping of strings`);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null || typeof v === 'object')
      throw new RenderError(RenderErrorCode.InvalidKustomization, file, `"${field}.${key}" must be a string`);
    out[key] = String(v);
  }
  return out;
}

export function optionalString(file: string, field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `"${field}" must be a string`);
  return value;
}

/** Refuses keys of a sub-object we do not implement, e.g. `labels[0].fields`. */
export function checkKeys(
  file: string,
  field: string,
  value: Record<string, unknown>,
  allowed: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new RenderError(
        RenderErrorCode.UnsupportedField,
        file,
        `"${field}.${key}" is not supported by Flotilla's kustomize subset`,
      );
    }
  }
}

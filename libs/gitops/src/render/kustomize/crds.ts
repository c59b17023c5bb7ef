/**
 * `crds:` — files of OpenAPI definitions (Go type name → `{Schema, Dependencies}`, JSON or YAML) whose
 * `x-kubernetes-*` property extensions add field specs, as kustomize's LoadConfigFromCRDs reads them:
 * `x-kubernetes-object-ref-kind` + `-api-version` (+ `-name-key`, default `name`) a name reference,
 * `x-kubernetes-annotation` a commonAnnotations field, `x-kubernetes-label-selector` a commonLabels
 * field, `x-kubernetes-identity` a namePrefix field. `$ref` properties are followed.
 */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { resolveRepoPath } from '../../tree/repo-path.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';
import type { RenderContext } from '../render-context.js';
import type { TransformerConfig } from './configurations.js';
import { emptyConfig, mergeConfig } from './configurations.js';
import type { Kustomization } from './kustomization.js';
import { stringList } from './kustomization.js';

type Definitions = Record<string, unknown>;

/** Go's encoding/json matches struct field names case-insensitively: `Schema` or `schema`. */
function schemaOf(def: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(def)) return undefined;
  const key = Object.keys(def).find((k) => k.toLowerCase() === 'schema');
  const schema = key === undefined ? undefined : def[key];
  return isPlainObject(schema) ? schema : undefined;
}

function propertiesOf(def: unknown): Record<string, Record<string, unknown>> {
  const props = schemaOf(def)?.['properties'];
  if (!isPlainObject(props)) return {};
  return Object.fromEntries(
    Object.entries(props).filter((e): e is [string, Record<string, unknown>] => isPlainObject(e[1])),
  );
}

function extension(prop: Record<string, unknown>, key: string): string | undefined {
  const v = prop[key];
  return typeof v === 'string' ? v : undefined;
}

const MAX_DEPTH = 32;

function load(
  config: TransformerConfig,
  kind: string,
  defs: Definitions,
  typeName: string,
  path: readonly string[],
): void {
  if (path.length > MAX_DEPTH || !(typeName in defs)) return;
  for (const [name, prop] of Object.entries(propertiesOf(defs[typeName]))) {
    const at = [...path, name];
    const fs = { kind, path: at.join('/'), create: false };
    if (extension(prop, 'x-kubernetes-annotation') !== undefined) config.commonAnnotations.push(fs);
    if (extension(prop, 'x-kubernetes-label-selector') !== undefined) config.commonLabels.push(fs);
    if (extension(prop, 'x-kubernetes-identity') !== undefined) config.namePrefix.push(fs);
    const version = extension(prop, 'x-kubernetes-object-ref-api-version');
    const refKind = extension(prop, 'x-kubernetes-object-ref-kind');
    if (version !== undefined && refKind !== undefined) {
      const nameKey = extension(prop, 'x-kubernetes-object-ref-name-key') ?? 'name';
      config.nameReference.push({
        kind: refKind,
        version,
        fieldSpecs: [{ kind, path: [...at, nameKey].join('/'), create: false }],
      });
    }
    const ref = prop['$ref'];
    if (typeof ref === 'string' && ref !== '') load(config, kind, defs, ref, at);
  }
}

function looksLikeKubernetesType(def: unknown): boolean {
  const props = propertiesOf(def);
  return 'kind' in props && 'apiVersion' in props && 'metadata' in props;
}

/** Reads the kustomization's `crds:` files into `into`. */
export async function loadCrds(ctx: RenderContext, k: Kustomization, into: TransformerConfig): Promise<void> {
  for (const entry of stringList(k, 'crds')) {
    const path = resolveRepoPath(k.dir, entry, k.file);
    const docs = await ctx.readYamlDocuments(path, k.file);
    const [defs] = docs;
    if (docs.length !== 1 || !isPlainObject(defs))
      throw new RenderError(
        RenderErrorCode.InvalidKustomization,
        path,
        'unable to parse open API definition: expected one mapping of type names to definitions',
      );
    for (const typeName of Object.keys(defs)) {
      if (!looksLikeKubernetesType(defs[typeName])) continue;
      const config = emptyConfig();
      load(config, typeName.split('.').pop() ?? typeName, defs, typeName, []);
      mergeConfig(into, config);
    }
  }
}

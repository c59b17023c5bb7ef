/**
 * `openapi:` — the schema that drives strategic merge, as kustomize (kyaml) sets it: `{path: file}`
 * (a Swagger document whose `definitions` carry `x-kubernetes-group-version-kind`, JSON or YAML) or
 * `{version: v1.21.2}` (the one built-in version of kustomize v5.6; anything else is an error).
 *
 * kustomize holds one schema per process: the top kustomization sets it first; a base or component
 * sets it only while none is set, at the moment it is accumulated (so earlier siblings were merged
 * with the default). A custom schema *replaces* the built-in Kubernetes one: a kind it does not
 * define merges every list by replacement, built-in kinds included.
 */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { resolveRepoPath } from '../../tree/repo-path.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';
import type { RenderContext } from '../render-context.js';
import type { Kustomization } from './kustomization.js';
import { isRemote } from './remote.js';
import type { ListMerge, MergeSchema } from './strategic-merge.js';

/** The only built-in schema version kustomize v5.6 carries (kyaml's DefaultOpenAPI). */
export const BUILTIN_OPENAPI_VERSION = 'v1.21.2';

type SchemaNode = Record<string, unknown>;

/** A custom schema: definitions by name, and the root definition of each `apiVersion` + `kind`. */
export class CustomSchema {
  private readonly byType = new Map<string, SchemaNode>();

  constructor(
    private readonly definitions: Record<string, SchemaNode>,
    readonly file: string,
  ) {
    for (const def of Object.values(definitions)) {
      const gvks = def['x-kubernetes-group-version-kind'];
      if (!Array.isArray(gvks)) continue;
      for (const gvk of gvks) {
        if (!isPlainObject(gvk) || typeof gvk['kind'] !== 'string' || typeof gvk['version'] !== 'string') continue;
        const group = typeof gvk['group'] === 'string' ? gvk['group'] : '';
        const apiVersion = group ? `${group}/${gvk['version']}` : gvk['version'];
        this.byType.set(`${apiVersion} ${gvk['kind']}`, def);
      }
    }
  }

  /** The merge schema of a resource type, if the schema defines it. */
  forType(apiVersion: unknown, kind: unknown): MergeSchema | undefined {
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
    const def = this.byType.get(`${apiVersion} ${kind}`);
    return def ? new SchemaCursor(this, def) : undefined;
  }

  /** Follows `$ref: #/definitions/<name>` (kyaml resolves references until none is left). */
  resolve(node: unknown): SchemaNode | undefined {
    let current = node;
    for (let hops = 0; isPlainObject(current); hops++) {
      const ref = current['$ref'];
      if (typeof ref !== 'string' || ref === '') return current;
      const m = /^#\/definitions\/(.+)$/.exec(ref);
      if (!m || hops > 64) return undefined;
      current = this.definitions[(m[1] as string).replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    return undefined;
  }
}

function isArrayType(node: SchemaNode): boolean {
  const type = node['type'];
  return type === 'array' || (Array.isArray(type) && type.length === 1 && type[0] === 'array');
}

/** One node of a custom schema, walked as kyaml's ResourceSchema Field/Elements walk it. */
class SchemaCursor implements MergeSchema {
  constructor(
    private readonly schema: CustomSchema,
    private readonly node: SchemaNode,
  ) {}

  field(name: string): MergeSchema | undefined {
    const props = this.node['properties'];
    let next: unknown = isPlainObject(props) && Object.hasOwn(props, name) ? props[name] : undefined;
    if (next === undefined && isPlainObject(this.node['additionalProperties']))
      next = this.node['additionalProperties'];
    const resolved = this.schema.resolve(next);
    return resolved ? new SchemaCursor(this.schema, resolved) : undefined;
  }

  elements(): MergeSchema | undefined {
    if (!isArrayType(this.node)) return undefined;
    const resolved = this.schema.resolve(this.node['items']);
    return resolved ? new SchemaCursor(this.schema, resolved) : undefined;
  }

  /** Associative only with a `merge` patch strategy; keys from list-map-keys, else the patch merge key. */
  listMerge(): ListMerge | undefined {
    const strategy = this.node['x-kubernetes-patch-strategy'];
    if (typeof strategy !== 'string' || !strategy.split(',').includes('merge')) return undefined;
    const mapKeys = this.node['x-kubernetes-list-map-keys'];
    if (Array.isArray(mapKeys)) return { keys: mapKeys.filter((k): k is string => typeof k === 'string') };
    const key = this.node['x-kubernetes-patch-merge-key'];
    return { keys: typeof key === 'string' && key !== '' ? [key] : [] };
  }
}

/** What drives strategic merge: kustomize's built-in schema (default) or a custom one. */
export type KustomizeSchema = { kind: 'builtin'; explicit: boolean } | { kind: 'custom'; schema: CustomSchema };

export const DEFAULT_SCHEMA: KustomizeSchema = { kind: 'builtin', explicit: false };

function parseSchemaFile(path: string, docs: unknown[]): CustomSchema {
  const [doc] = docs;
  if (docs.length !== 1 || !isPlainObject(doc) || !isPlainObject(doc['definitions']))
    throw new RenderError(
      RenderErrorCode.InvalidKustomization,
      path,
      'openapi schema: expected one document with a "definitions" mapping (Swagger 2.0)',
    );
  const definitions: Record<string, SchemaNode> = {};
  for (const [name, def] of Object.entries(doc['definitions'])) if (isPlainObject(def)) definitions[name] = def;
  return new CustomSchema(definitions, path);
}

/**
 * Sets the build's schema from `k.openapi`, as kustomize's SetSchema: `top` (the kustomization built)
 * always sets it; any other only while none is set. Remote schema files are refused by name.
 */
export async function applyOpenApi(ctx: RenderContext, k: Kustomization, top: boolean): Promise<void> {
  const field = k.raw['openapi'];
  if (field === undefined || field === null) return;
  if (!isPlainObject(field))
    throw new RenderError(RenderErrorCode.InvalidKustomization, k.file, 'openapi must be a mapping (path or version)');
  const current = ctx.kustomizeSchema;
  const isSet = current.kind === 'custom' || current.explicit;
  if (isSet && !top) return;
  const path = field['path'];
  const version = field['version'];
  if (path !== undefined && typeof path !== 'string')
    throw new RenderError(RenderErrorCode.InvalidKustomization, k.file, 'openapi.path must be a string');
  if (version !== undefined && typeof version !== 'string')
    throw new RenderError(RenderErrorCode.InvalidKustomization, k.file, 'openapi.version must be a string');
  if (path !== undefined) {
    if (isRemote(path))
      throw new RenderError(
        RenderErrorCode.UnsupportedField,
        k.file,
        `remote resource "${path}" is not supported (openapi.path); vendor the schema into the repository`,
      );
    const file = resolveRepoPath(k.dir, path, k.file);
    const docs = await ctx.readYamlDocuments(file, k.file);
    if (version !== undefined)
      throw new RenderError(
        RenderErrorCode.InvalidKustomization,
        k.file,
        'openapi: builtin version and custom schema provided, cannot use both',
      );
    ctx.kustomizeSchema = { kind: 'custom', schema: parseSchemaFile(file, docs) };
    return;
  }
  if (version === undefined || version === '') return;
  if (version !== BUILTIN_OPENAPI_VERSION)
    throw new RenderError(
      RenderErrorCode.InvalidKustomization,
      k.file,
      `openapi.version "${version}": the specified OpenAPI version is not built in (kustomize v5.6 has ${BUILTIN_OPENAPI_VERSION})`,
    );
  ctx.kustomizeSchema = { kind: 'builtin', explicit: true };
}

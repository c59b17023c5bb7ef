/** `transformers:` entries — builtin LabelTransformer, AnnotationsTransformer and PrefixSuffixTransformer configs (files or inline YAML). */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { resolveRepoPath } from '../../tree/repo-path.js';
import { isPlainObject, parseYamlDocuments } from '../../yaml/parse-manifests.js';
import type { RenderContext } from '../render-context.js';
import type { FieldSpec } from './field-specs.js';
import { fieldSpecMatches, setPairs } from './field-specs.js';
import { setCustomScalars } from './configurations.js';
import { addNamePrefixSuffix } from './meta-transforms.js';
import type { Kustomization } from './kustomization.js';
import { checkKeys, stringList, stringMap } from './kustomization.js';
import type { Resource } from './resource.js';

const SUPPORTED = { LabelTransformer: 'labels', AnnotationsTransformer: 'annotations' } as const;

function parseFieldSpecs(file: string, raw: unknown): FieldSpec[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, '"fieldSpecs" must be a non-empty list');
  return raw.map((fs, i) => {
    if (!isPlainObject(fs) || typeof fs['path'] !== 'string')
      throw new RenderError(RenderErrorCode.InvalidKustomization, file, `fieldSpecs[${i}] needs a path`);
    checkKeys(file, `fieldSpecs[${i}]`, fs, ['path', 'create', 'group', 'version', 'kind']);
    const str = (key: string) => (typeof fs[key] === 'string' ? (fs[key] as string) : undefined);
    return {
      path: fs['path'],
      create: fs['create'] === true,
      group: str('group'),
      version: str('version'),
      kind: str('kind'),
    };
  });
}

function applyConfig(file: string, config: unknown, resources: readonly Resource[]): void {
  if (!isPlainObject(config))
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, 'a transformer config must be a mapping');
  const kind = String(config['kind']);
  if (config['apiVersion'] === 'builtin' && kind === 'PrefixSuffixTransformer')
    return applyPrefixSuffix(file, config, resources);
  if (config['apiVersion'] !== 'builtin' || !(kind in SUPPORTED)) {
    throw new RenderError(
      RenderErrorCode.UnsupportedField,
      file,
      `transformer ${String(config['apiVersion'])}/${kind} is not supported (only builtin LabelTransformer, AnnotationsTransformer and PrefixSuffixTransformer)`,
    );
  }
  const field = SUPPORTED[kind as keyof typeof SUPPORTED];
  checkKeys(file, kind, config, ['apiVersion', 'kind', 'metadata', field, 'fieldSpecs']);
  const pairs = stringMap(file, field, config[field]);
  const specs = parseFieldSpecs(file, config['fieldSpecs']);
  for (const res of resources) setPairs(res.obj, specs, pairs);
}

/** builtin PrefixSuffixTransformer: `prefix`/`suffix` around the string at each field spec (a rename at metadata/name). */
function applyPrefixSuffix(file: string, config: Record<string, unknown>, resources: readonly Resource[]): void {
  checkKeys(file, 'PrefixSuffixTransformer', config, [
    'apiVersion',
    'kind',
    'metadata',
    'prefix',
    'suffix',
    'fieldSpecs',
  ]);
  const { prefix = '', suffix = '' } = stringMap(file, 'PrefixSuffixTransformer', {
    prefix: config['prefix'] ?? '',
    suffix: config['suffix'] ?? '',
  });
  for (const fs of parseFieldSpecs(file, config['fieldSpecs'])) {
    if (fs.path.replace(/^\/+|\/+$/g, '') === 'metadata/name') {
      addNamePrefixSuffix(
        resources.filter((r) => fieldSpecMatches(r.obj, fs)),
        prefix,
        suffix,
      );
      continue;
    }
    setCustomScalars(resources, [fs], (v) => (v === undefined ? undefined : `${prefix}${v}${suffix}`));
  }
}

export async function runTransformers(
  ctx: RenderContext,
  k: Kustomization,
  resources: readonly Resource[],
): Promise<void> {
  for (const entry of stringList(k, 'transformers')) {
    if (entry.includes('\n')) {
      for (const doc of parseYamlDocuments(k.file, new TextEncoder().encode(entry), ctx.options))
        applyConfig(k.file, doc, resources);
      continue;
    }
    const path = resolveRepoPath(k.dir, entry, k.file);
    const found = await ctx.entry(path);
    if (found?.type === 'dir')
      throw new RenderError(
        RenderErrorCode.UnsupportedField,
        k.file,
        `transformers entry "${entry}" is a directory; only transformer config files are supported`,
      );
    for (const doc of await ctx.readYamlDocuments(path, k.file)) applyConfig(path, doc, resources);
  }
}

/**
 * `transformers:` entry `apiVersion: builtin`, `kind: PrefixSuffixTransformer`: `prefix` and/or
 * `suffix` added to the string fields its `fieldSpecs` select (lists on the way are walked, as
 * kustomize walks them). `metadata/name` renames the object, so references follow. CRDs,
 * APIServices and Namespaces are skipped, as kustomize skips them.
 */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';
import type { FieldSpec } from './field-specs.js';
import { fieldSpecMatches } from './field-specs.js';
import { checkKeys, optionalString } from './kustomization.js';
import type { Resource } from './resource.js';
import { rememberId } from './resource.js';

const SKIPPED_KINDS = new Set(['CustomResourceDefinition', 'APIService', 'Namespace']);

/** Applies `edit` to every string at `segments` under `node`, walking lists wherever they appear. */
function editStrings(node: unknown, segments: readonly string[], edit: (value: string) => string): void {
  if (Array.isArray(node)) {
    for (const item of node) editStrings(item, segments, edit);
    return;
  }
  if (!isPlainObject(node)) return;
  const [head, ...rest] = segments;
  if (head === undefined) return;
  const key = head.endsWith('[]') ? head.slice(0, -2) : head;
  if (rest.length > 0) return editStrings(node[key], rest, edit);
  const value = node[key];
  if (typeof value === 'string') node[key] = edit(value);
  else if (Array.isArray(value)) node[key] = value.map((v: unknown) => (typeof v === 'string' ? edit(v) : v));
}

export function applyPrefixSuffix(
  file: string,
  config: Record<string, unknown>,
  specs: readonly FieldSpec[],
  resources: readonly Resource[],
): void {
  checkKeys(file, 'PrefixSuffixTransformer', config, [
    'apiVersion',
    'kind',
    'metadata',
    'prefix',
    'suffix',
    'fieldSpecs',
  ]);
  const prefix = optionalString(file, 'prefix', config['prefix']) ?? '';
  const suffix = optionalString(file, 'suffix', config['suffix']) ?? '';
  if (specs.some((fs) => fs.create))
    throw new RenderError(
      RenderErrorCode.UnsupportedField,
      file,
      'PrefixSuffixTransformer fieldSpecs with "create" are not supported',
    );
  const edit = (value: string): string => `${prefix}${value}${suffix}`;
  for (const res of resources) {
    if (SKIPPED_KINDS.has(res.obj.kind)) continue;
    for (const fs of specs) {
      if (!fieldSpecMatches(res.obj, fs)) continue;
      const segments = fs.path.split('/').filter((s) => s !== '');
      if (segments.join('/') === 'metadata/name') {
        rememberId(res);
        res.obj.metadata.name = edit(res.obj.metadata.name);
      } else editStrings(res.obj, segments, edit);
    }
  }
}

/**
 * `replacements:` (inline, or `path:` to a file holding one replacement or a list) — kustomize's
 * ReplacementTransformer: copy one field of one source object (or `sourceValue`) into fields of every
 * selected target. Source and targets are chosen by current or earlier ids (`select`/`reject` use
 * anchored regexes, label and annotation selectors); field paths are `a.b[name=value].c` (the value a
 * regex), `[0]`, `*`; `options.delimiter`/`index` take or put one part of a delimited string; `create`
 * makes a missing target field. A missing source or target field is an error, as in kustomize.
 */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { parseApiVersion } from '../../objects/kube-object.js';
import { isBuiltinClusterScoped } from '../../objects/scope.js';
import { resolveRepoPath } from '../../tree/repo-path.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';
import type { RenderContext } from '../render-context.js';
import type { Kustomization } from './kustomization.js';
import { checkKeys, objectList } from './kustomization.js';
import { targetPredicate } from './patches.js';
import type { Resource } from './resource.js';

interface Options {
  delimiter: string;
  index: number;
  create: boolean;
}

interface Replacement {
  where: string;
  file: string;
  source?: Record<string, unknown>;
  sourceValue?: string;
  targets: Array<Record<string, unknown>>;
}

const ID_KEYS = ['group', 'version', 'kind', 'name', 'namespace'];

function fail(file: string, reason: string): never {
  throw new RenderError(RenderErrorCode.InvalidKustomization, file, reason);
}

function parseOptions(file: string, where: string, raw: unknown): Options {
  if (raw === undefined || raw === null) return { delimiter: '', index: 0, create: false };
  if (!isPlainObject(raw)) fail(file, `${where} must be a mapping`);
  checkKeys(file, where, raw, ['delimiter', 'index', 'create']);
  const index = raw['index'] ?? 0;
  if (!Number.isInteger(index)) fail(file, `${where}.index must be an integer`);
  return {
    delimiter: raw['delimiter'] === undefined || raw['delimiter'] === null ? '' : String(raw['delimiter']),
    index: index as number,
    create: raw['create'] === true,
  };
}

function toReplacement(file: string, where: string, raw: unknown): Replacement {
  if (!isPlainObject(raw)) fail(file, `${where} must be a mapping`);
  // kustomize v5.6 (kubectl 1.33) has no sourceValue: it is refused as an unknown field there too.
  checkKeys(file, where, raw, ['source', 'targets']);
  const { source, targets, sourceValue } = raw;
  if ((source === undefined && sourceValue === undefined) || !Array.isArray(targets))
    fail(file, `${where}: replacements must specify a source and at least one target`);
  if (source !== undefined && sourceValue !== undefined)
    fail(file, `${where}: value and resource selectors are mutually exclusive`);
  if (source !== undefined && !isPlainObject(source)) fail(file, `${where}.source must be a mapping`);
  if (source) checkKeys(file, `${where}.source`, source, [...ID_KEYS, 'fieldPath', 'options']);
  targets.forEach((t, i) => {
    if (!isPlainObject(t)) fail(file, `${where}.targets[${i}] must be a mapping`);
    checkKeys(file, `${where}.targets[${i}]`, t, ['select', 'reject', 'fieldPaths', 'options']);
  });
  return {
    where,
    file,
    source,
    sourceValue: sourceValue === undefined ? undefined : String(sourceValue),
    targets: targets as Array<Record<string, unknown>>,
  };
}

async function loadReplacements(ctx: RenderContext, k: Kustomization): Promise<Replacement[]> {
  const out: Replacement[] = [];
  for (const [i, entry] of objectList(k, 'replacements').entries()) {
    const where = `replacements[${i}]`;
    if (entry['path'] === undefined) {
      out.push(toReplacement(k.file, where, entry));
      continue;
    }
    if (Object.keys(entry).some((key) => key !== 'path'))
      fail(k.file, `${where}: cannot specify both path and inline replacement`);
    if (typeof entry['path'] !== 'string') fail(k.file, `${where}.path must be a string`);
    const path = resolveRepoPath(k.dir, entry['path'], k.file);
    const [doc] = await ctx.readYamlDocuments(path, k.file);
    if (Array.isArray(doc)) doc.forEach((r, j) => out.push(toReplacement(path, `${where}[${j}]`, r)));
    else if (isPlainObject(doc)) out.push(toReplacement(path, where, doc));
    else fail(path, `${where}: unsupported replacement type in file`);
  }
  return out;
}

interface Id {
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace: string;
}

function idsOf(res: Resource): Id[] {
  const gvk = { ...parseApiVersion(res.obj.apiVersion), kind: res.obj.kind };
  return [
    { ...gvk, name: res.obj.metadata.name, namespace: res.obj.metadata.namespace ?? '' },
    ...res.history.map((h) => ({ ...gvk, name: h.name, namespace: h.namespace })),
  ];
}

function effectiveNs(id: Pick<Id, 'group' | 'kind' | 'namespace'>): string {
  if (isBuiltinClusterScoped({ apiVersion: id.group ? `${id.group}/v` : 'v', kind: id.kind })) return '~cluster';
  return id.namespace || 'default';
}

/** kustomize's ResId.IsSelectedBy: exact fields, each optional. */
function sourceMatches(id: Id, sel: Record<string, unknown>): boolean {
  const s = (key: string) => (typeof sel[key] === 'string' ? (sel[key] as string) : '');
  return (
    (!s('name') || s('name') === id.name) &&
    (!s('namespace') ||
      effectiveNs({ group: s('group'), kind: s('kind'), namespace: s('namespace') }) === effectiveNs(id)) &&
    (!s('group') || s('group') === id.group) &&
    (!s('version') || s('version') === id.version) &&
    (!s('kind') || s('kind') === id.kind)
  );
}

function idRegexMatcher(file: string, where: string, sel: Record<string, unknown>): (id: Id) => boolean {
  const re = ID_KEYS.map((key): [keyof Id, RegExp | undefined] => {
    const v = sel[key];
    if (v === undefined || v === null || v === '') return [key as keyof Id, undefined];
    try {
      return [key as keyof Id, new RegExp(`^(?:${String(v)})$`)];
    } catch {
      fail(file, `${where}.${key}: invalid pattern "${String(v)}"`);
    }
  });
  return (id) => re.every(([key, r]) => !r || r.test(id[key]));
}

function hasId(sel: Record<string, unknown>): boolean {
  return ID_KEYS.some((key) => sel[key] !== undefined && sel[key] !== null && sel[key] !== '');
}

function metaPredicate(file: string, where: string, sel: Record<string, unknown>): (res: Resource) => boolean {
  return targetPredicate(file, where, {
    labelSelector: sel['labelSelector'],
    annotationSelector: sel['annotationSelector'],
  });
}

function parseSelector(file: string, where: string, raw: unknown): Record<string, unknown> {
  if (!isPlainObject(raw)) fail(file, `${where} must be a mapping`);
  checkKeys(file, where, raw, [...ID_KEYS, 'labelSelector', 'annotationSelector']);
  return raw;
}

/** kyaml's SmarterPathSplitter: dots split, `\\.` escapes one, `[k=v.w]` stays whole, `[a.b]` names field `a.b`. */
export function splitFieldPath(path: string): string[] {
  let ps = path.split('.');
  if (ps.length > 1 && ps[0] === '') ps = ps.slice(1);
  const split: string[] = [];
  for (const p of ps) {
    const last = split.length - 1;
    if (last >= 0 && split[last]?.endsWith('\\')) split[last] = `${split[last]?.slice(0, -1)}.${p}`;
    else split.push(p);
  }
  const out: string[] = [];
  for (let i = 0; i < split.length; i++) {
    const elem = split[i] ?? '';
    if (!elem.startsWith('[') || elem.endsWith(']')) {
      out.push(elem);
      continue;
    }
    const bracketed = [elem];
    while (i < split.length - 1) {
      i++;
      bracketed.push(split[i] ?? '');
      if (split[i]?.endsWith(']')) break;
    }
    const joined = bracketed.join('.');
    out.push(joined.includes('=') ? joined : joined.replace(/^\[+|\]+$/g, ''));
  }
  return out;
}

type Slot = { get: () => unknown; set: (v: unknown) => void };

class PathError extends Error {}

function elementMatcher(part: string): ((el: unknown) => boolean) | undefined {
  const m = /^\[(.*?)=(.*)\]$/.exec(part);
  if (!m) return undefined;
  const [, field = '', value = ''] = m;
  const re = new RegExp(`^(?:${value})$`);
  if (field === '') return (el) => (typeof el === 'string' || typeof el === 'number') && re.test(String(el));
  return (el) => isPlainObject(el) && el[field] !== undefined && el[field] !== null && re.test(String(el[field]));
}

/** kyaml's PathMatcher: every slot the path reaches, creating missing fields when `create`. */
function matchPath(
  node: unknown,
  parts: readonly string[],
  create: boolean,
  set: (v: unknown) => void,
  out: Slot[],
): void {
  if (parts.length === 0) {
    out.push({ get: () => node, set });
    return;
  }
  const [head = '', ...rest] = parts;
  const nextIsSeq = rest[0] !== undefined && (/^\[.*=.*\]$/.test(rest[0]) || /^\d+$/.test(rest[0]));
  const matcher = elementMatcher(head);
  if (/^\d+$/.test(head)) {
    if (!Array.isArray(node)) return;
    const i = Number(head);
    if (i === node.length && create) node.push(nextIsSeq ? [] : rest.length ? {} : undefined);
    if (i >= node.length) throw new PathError(`index ${i} specified but only ${node.length} elements found`);
    matchPath(node[i], rest, create, (v) => (node[i] = v), out);
    return;
  }
  if (matcher) {
    if (!Array.isArray(node)) return;
    let found = false;
    node.forEach((el, i) => {
      if (!matcher(el)) return;
      found = true;
      matchPath(el, rest, create, (v) => (node[i] = v), out);
    });
    const m = /^\[(.*?)=(.*)\]$/.exec(head);
    if (!found && create && m) {
      const el: unknown = m[1] ? { [m[1]]: m[2] } : m[2];
      node.push(el);
      const at = node.length - 1;
      matchPath(el, rest, create, (v) => (node[at] = v), out);
    }
    return;
  }
  if (head === '*') {
    if (Array.isArray(node)) node.forEach((el, i) => matchPath(el, rest, create, (v) => (node[i] = v), out));
    return;
  }
  if (!isPlainObject(node)) return;
  let child = node[head];
  if (child === undefined || child === null) {
    if (!create) return;
    if (rest.length === 0) {
      out.push({ get: () => undefined, set: (v) => (node[head] = v) });
      return;
    }
    child = nextIsSeq ? [] : {};
    node[head] = child;
  }
  matchPath(child, rest, create, (v) => (node[head] = v), out);
}

function text(value: unknown): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : '';
}

/** A scalar target keeps its type and takes the source's text (kustomize copies only the node's value). */
function retype(old: unknown, value: unknown): unknown {
  if (!isScalar(value)) return structuredClone(value);
  const t = text(value);
  if (typeof old === 'number' && t.trim() !== '' && !Number.isNaN(Number(t))) return Number(t);
  if (typeof old === 'boolean' && (t === 'true' || t === 'false')) return t === 'true';
  if (typeof old === 'string') return t;
  return value;
}

/** A created field is an untagged node holding the source's text: kubectl writes it plain, so `1` reads back as a number. */
function created(value: unknown): unknown {
  if (typeof value !== 'string') return structuredClone(value);
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(value)) return Number(value);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function sourceValue(r: Replacement, resources: readonly Resource[]): unknown {
  if (r.sourceValue !== undefined) return r.sourceValue;
  const sel = r.source ?? {};
  const matches = resources.filter((res) => idsOf(res).some((id) => sourceMatches(id, sel)));
  const describe = ID_KEYS.filter((k) => sel[k])
    .map((k) => `${k}=${String(sel[k])}`)
    .join(',');
  if (matches.length > 1) fail(r.file, `${r.where}: multiple matches for source selector ${describe}`);
  const [source] = matches;
  if (!source) fail(r.file, `${r.where}: nothing selected by source selector ${describe}`);
  const fieldPath = typeof sel['fieldPath'] === 'string' && sel['fieldPath'] ? sel['fieldPath'] : 'metadata.name';
  const slots: Slot[] = [];
  try {
    matchPath(source.obj, splitFieldPath(fieldPath), false, () => undefined, slots);
  } catch (e) {
    if (!(e instanceof PathError)) throw e;
    fail(r.file, `${r.where}: error looking up replacement source: ${e.message}`);
  }
  const value = slots[0]?.get();
  if (
    value === undefined ||
    value === null ||
    (Array.isArray(value) && value.length === 0) ||
    (isPlainObject(value) && Object.keys(value).length === 0)
  )
    fail(r.file, `${r.where}: fieldPath \`${fieldPath}\` is missing for replacement source ${describe}`);
  const options = parseOptions(r.file, `${r.where}.source.options`, sel['options']);
  if (!options.delimiter) return value;
  if (!isScalar(value)) fail(r.file, `${r.where}: delimiter option can only be used with scalar nodes`);
  const parts = text(value).split(options.delimiter);
  if (options.index >= parts.length || options.index < 0)
    fail(r.file, `${r.where}: options.index ${options.index} is out of bounds for value ${text(value)}`);
  return parts[options.index];
}

function applyToTarget(
  r: Replacement,
  where: string,
  res: Resource,
  value: unknown,
  fieldPaths: readonly string[],
  options: Options,
): void {
  for (const fp of fieldPaths) {
    const slots: Slot[] = [];
    try {
      matchPath(res.obj, splitFieldPath(fp), options.create, () => undefined, slots);
    } catch (e) {
      if (!(e instanceof PathError)) throw e;
      fail(r.file, `${where}: unable to find field "${fp}" in replacement target: ${e.message}`);
    }
    if (slots.length === 0)
      fail(
        r.file,
        `${where}: unable to ${options.create ? 'find or create' : 'find'} field "${fp}" in replacement target ${res.obj.kind}/${res.obj.metadata.name}`,
      );
    for (const slot of slots) {
      const old = slot.get();
      if (options.delimiter) {
        if (old !== undefined && !isScalar(old))
          fail(r.file, `${where}: delimiter option can only be used with scalar nodes`);
        const parts = text(old).split(options.delimiter);
        const v = text(value);
        if (options.index < 0) parts.unshift(v);
        else if (options.index >= parts.length) parts.push(v);
        else parts[options.index] = v;
        const joined = parts.join(options.delimiter);
        slot.set(old === undefined ? created(joined) : retype(old, joined));
      } else slot.set(old === undefined ? created(value) : retype(old, value));
    }
  }
}

export async function runReplacements(
  ctx: RenderContext,
  k: Kustomization,
  resources: readonly Resource[],
): Promise<void> {
  for (const r of await loadReplacements(ctx, k)) {
    const value = sourceValue(r, resources);
    for (const [i, t] of r.targets.entries()) {
      const where = `${r.where}.targets[${i}]`;
      if (t['select'] === undefined || t['select'] === null)
        fail(r.file, `${where}: target must specify resources to select`);
      const select = parseSelector(r.file, `${where}.select`, t['select']);
      const rejects = (Array.isArray(t['reject']) ? t['reject'] : t['reject'] ? [t['reject']] : []).map((x, j) =>
        parseSelector(r.file, `${where}.reject[${j}]`, x),
      );
      const fieldPaths =
        Array.isArray(t['fieldPaths']) && t['fieldPaths'].length > 0 ? t['fieldPaths'].map(String) : ['metadata.name'];
      const options = parseOptions(r.file, `${where}.options`, t['options']);
      const selectsId = idRegexMatcher(r.file, `${where}.select`, select);
      const selectsMeta = metaPredicate(r.file, `${where}.select`, select);
      const rejectIds = rejects.filter(hasId).map((x, j) => idRegexMatcher(r.file, `${where}.reject[${j}]`, x));
      const rejectMeta = rejects
        .filter((x) => x['labelSelector'] || x['annotationSelector'])
        .map((x, j) => metaPredicate(r.file, `${where}.reject[${j}]`, x));
      for (const res of resources) {
        if (!selectsMeta(res) || rejectMeta.some((p) => p(res))) continue;
        const ids = idsOf(res);
        if (rejectIds.some((m) => ids.some(m))) continue;
        if (ids.some(selectsId)) applyToTarget(r, where, res, value, fieldPaths, options);
      }
    }
  }
}

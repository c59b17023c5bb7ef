/** configMapGenerator and secretGenerator: literals, files and env files, with kustomize's options. */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import type { KubeObject } from '../../objects/kube-object.js';
import { basenameOf, resolveRepoPath } from '../../tree/repo-path.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';
import type { RenderContext } from '../render-context.js';
import type { Kustomization } from './kustomization.js';
import { checkKeys, objectList, optionalString, stringMap } from './kustomization.js';
import type { Resource } from './resource.js';
import { hadName } from './resource.js';

const GENERATOR_KEYS = ['name', 'namespace', 'behavior', 'literals', 'files', 'envs', 'env', 'options', 'type'];
const OPTION_KEYS = ['labels', 'annotations', 'disableNameSuffixHash', 'immutable'];

interface GeneratorOptions {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  disableNameSuffixHash: boolean;
  immutable: boolean;
}

function parseOptions(file: string, field: string, raw: unknown, base?: GeneratorOptions): GeneratorOptions {
  if (raw !== undefined && raw !== null && !isPlainObject(raw))
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `"${field}" must be a mapping`);
  const o = (raw ?? {}) as Record<string, unknown>;
  checkKeys(file, field, o, OPTION_KEYS);
  return {
    labels: { ...base?.labels, ...stringMap(file, `${field}.labels`, o['labels']) },
    annotations: { ...base?.annotations, ...stringMap(file, `${field}.annotations`, o['annotations']) },
    disableNameSuffixHash:
      o['disableNameSuffixHash'] === undefined
        ? (base?.disableNameSuffixHash ?? false)
        : o['disableNameSuffixHash'] === true,
    immutable: o['immutable'] === undefined ? (base?.immutable ?? false) : o['immutable'] === true,
  };
}

function list(file: string, field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value))
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `"${field}" must be a list of strings`);
  return value.map((v) => String(v));
}

function stripQuotes(value: string): string {
  if (
    value.length >= 2 &&
    ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))
  )
    return value.slice(1, -1);
  return value;
}

/** What kustomize accepts as an environment variable name (k8s IsEnvVarName). */
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** KEY=VALUE lines (or a bare KEY, value empty) as kustomize reads env files: leading blanks and CR dropped, '#' comments, no quote stripping. */
function parseEnvFile(path: string, text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.replace(/\r$/, '').replace(/^\s+/, '');
      if (line === '' || line.startsWith('#')) return;
      const eq = line.indexOf('=');
      if (eq < 0) {
        // kustomize v5 gives a bare KEY an empty value (it no longer reads the environment).
        if (!ENV_VAR_NAME.test(line))
          throw new RenderError(
            RenderErrorCode.InvalidKustomization,
            path,
            `line ${i + 1} is neither KEY=VALUE nor a bare variable name`,
          );
        out.push([line, '']);
        return;
      }
      if (eq === 0)
        throw new RenderError(RenderErrorCode.InvalidKustomization, path, `line ${i + 1} has no key before "="`);
      out.push([line.slice(0, eq), line.slice(eq + 1)]);
    });
  return out;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

async function collect(
  ctx: RenderContext,
  k: Kustomization,
  entry: Record<string, unknown>,
  field: string,
): Promise<Array<[string, Uint8Array | string]>> {
  const pairs: Array<[string, Uint8Array | string]> = [];
  for (const literal of list(k.file, `${field}.literals`, entry['literals'])) {
    const eq = literal.indexOf('=');
    if (eq <= 0)
      throw new RenderError(
        RenderErrorCode.InvalidKustomization,
        k.file,
        `${field}.literals: "${literal.split('=')[0]}" is not KEY=VALUE`,
      );
    pairs.push([literal.slice(0, eq), stripQuotes(literal.slice(eq + 1))]);
  }
  for (const spec of list(k.file, `${field}.files`, entry['files'])) {
    const eq = spec.indexOf('=');
    const key = eq > 0 ? spec.slice(0, eq) : basenameOf(spec);
    const path = resolveRepoPath(k.dir, eq > 0 ? spec.slice(eq + 1) : spec, k.file);
    pairs.push([key, await ctx.readFile(path, k.file)]);
  }
  for (const spec of [...list(k.file, `${field}.envs`, entry['envs']), ...list(k.file, `${field}.env`, entry['env'])]) {
    const path = resolveRepoPath(k.dir, spec, k.file);
    const bytes = await ctx.readFile(path, k.file);
    if (!isUtf8(bytes))
      throw new RenderError(RenderErrorCode.InvalidKustomization, path, 'env file is not valid UTF-8');
    pairs.push(...parseEnvFile(path, new TextDecoder().decode(bytes)));
  }
  const seen = new Set<string>();
  for (const [key] of pairs) {
    if (seen.has(key))
      throw new RenderError(
        RenderErrorCode.InvalidKustomization,
        k.file,
        `${field}: key "${key}" is defined more than once`,
      );
    seen.add(key);
  }
  return pairs;
}

function sortedRecord(entries: Array<[string, string]>): Record<string, string> | undefined {
  if (entries.length === 0) return undefined;
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function toBase64(value: Uint8Array | string): string {
  return Buffer.from(typeof value === 'string' ? new TextEncoder().encode(value) : value).toString('base64');
}

/** Secret data as kustomize writes it: base64 in 70-character lines, each ending in \n once there is more than one. */
function secretBase64(value: Uint8Array | string): string {
  const encoded = toBase64(value);
  const lineLength = 70;
  if (Math.floor(encoded.length / lineLength) + 1 === 1) return encoded;
  let out = '';
  for (let i = 0; i < encoded.length; i += lineLength) out += `${encoded.slice(i, i + lineLength)}\n`;
  return out;
}

function build(
  kind: 'ConfigMap' | 'Secret',
  name: string,
  entry: Record<string, unknown>,
  pairs: Array<[string, Uint8Array | string]>,
  o: GeneratorOptions,
  file: string,
): KubeObject {
  const metadata: KubeObject['metadata'] = { name };
  const namespace = optionalString(file, 'namespace', entry['namespace']);
  if (namespace) metadata.namespace = namespace;
  if (Object.keys(o.labels).length) metadata.labels = { ...o.labels };
  if (Object.keys(o.annotations).length) metadata.annotations = { ...o.annotations };
  const obj: KubeObject = { apiVersion: 'v1', kind, metadata };
  if (kind === 'ConfigMap') {
    const text = pairs
      .filter(([, v]) => typeof v === 'string' || isUtf8(v))
      .map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : new TextDecoder().decode(v)]);
    const binary = pairs
      .filter(([, v]) => typeof v !== 'string' && !isUtf8(v))
      .map(([k, v]): [string, string] => [k, toBase64(v)]);
    const data = sortedRecord(text);
    const binaryData = sortedRecord(binary);
    if (data) obj['data'] = data;
    if (binaryData) obj['binaryData'] = binaryData;
  } else {
    // kustomize writes `data: {}` for a Secret with no entries (a ConfigMap gets no data field).
    obj['data'] = sortedRecord(pairs.map(([k, v]) => [k, secretBase64(v)])) ?? {};
    obj['type'] = optionalString(file, 'type', entry['type']) ?? 'Opaque';
  }
  if (o.immutable) obj['immutable'] = true;
  return obj;
}

/** Runs both generators; merge/replace behaviors update resources already accumulated. */
export async function runGenerators(ctx: RenderContext, k: Kustomization, resources: Resource[]): Promise<void> {
  const defaults = parseOptions(k.file, 'generatorOptions', k.raw['generatorOptions']);
  for (const [field, kind] of [
    ['configMapGenerator', 'ConfigMap'],
    ['secretGenerator', 'Secret'],
  ] as const) {
    for (const [i, entry] of objectList(k, field).entries()) {
      const where = `${field}[${i}]`;
      checkKeys(k.file, where, entry, kind === 'Secret' ? GENERATOR_KEYS : GENERATOR_KEYS.filter((f) => f !== 'type'));
      const name = optionalString(k.file, `${where}.name`, entry['name']);
      if (!name) throw new RenderError(RenderErrorCode.InvalidKustomization, k.file, `${where} has no name`);
      const options = parseOptions(k.file, `${where}.options`, entry['options'], defaults);
      const obj = build(kind, name, entry, await collect(ctx, k, entry, where), options, k.file);
      const behavior = entry['behavior'] ?? 'create';
      if (typeof behavior !== 'string')
        throw new RenderError(RenderErrorCode.InvalidKustomization, k.file, `${where}.behavior must be a string`);
      // kustomize treats any value but merge and replace (e.g. "add", "") as create.
      if (behavior !== 'merge' && behavior !== 'replace') {
        resources.push({ obj, file: k.file, history: [], hashSuffix: !options.disableNameSuffixHash, generated: true });
        continue;
      }
      const ns = obj.metadata.namespace;
      const target = resources.find(
        (r) => r.obj.kind === kind && hadName(r, name) && (ns === undefined || (r.obj.metadata.namespace ?? '') === ns),
      );
      if (!target)
        throw new RenderError(RenderErrorCode.NotFound, k.file, `${where}: no ${kind} "${name}" to ${behavior}`);
      mergeInto(target, obj, behavior, options);
    }
  }
}

function mergeInto(target: Resource, obj: KubeObject, behavior: 'merge' | 'replace', options: GeneratorOptions): void {
  const t = target.obj;
  for (const field of ['data', 'binaryData'] as const) {
    const merged =
      behavior === 'merge'
        ? { ...(t[field] as object | undefined), ...(obj[field] as object | undefined) }
        : obj[field];
    if (merged && Object.keys(merged).length > 0)
      t[field] = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    else delete t[field];
  }
  if (obj.metadata.labels) t.metadata.labels = { ...t.metadata.labels, ...obj.metadata.labels };
  if (obj.metadata.annotations) t.metadata.annotations = { ...t.metadata.annotations, ...obj.metadata.annotations };
  if (options.immutable) t['immutable'] = true;
  if (options.disableNameSuffixHash) target.hashSuffix = false;
}

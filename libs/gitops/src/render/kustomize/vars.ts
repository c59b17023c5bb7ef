/**
 * Legacy `vars:` — `$(NAME)` in the fields kustomize substitutes (its default varReference specs plus
 * `configurations` varReference) becomes a field of a named object, read after the whole build (names
 * hashed and references fixed). A var is bound to its object when the declaring kustomization finishes;
 * names must be unique across the build. Expansion is kustomize's refvar: `$$` is a literal `$`, an
 * unknown `$(X)` stays, a field that is exactly `$(X)` takes the value's type (number, boolean).
 */
import { RenderError, RenderErrorCode } from '../../errors/render-error.js';
import { parseApiVersion } from '../../objects/kube-object.js';
import { isBuiltinClusterScoped } from '../../objects/scope.js';
import { isPlainObject } from '../../yaml/parse-manifests.js';
import type { FieldSpec } from './field-specs.js';
import { visitSpecs } from './configurations.js';
import type { Kustomization } from './kustomization.js';
import { checkKeys, objectList } from './kustomization.js';
import type { Resource } from './resource.js';

export interface VarDef {
  name: string;
  group: string;
  version: string;
  kind: string;
  objName: string;
  namespace: string;
  fieldPath: string;
  file: string;
}

export interface BoundVar {
  def: VarDef;
  target?: Resource;
}

export type VarSet = Map<string, BoundVar>;

const POD_TEMPLATE_PATHS: Record<string, string> = {
  CronJob: 'spec/jobTemplate/spec/template/spec',
  DaemonSet: 'spec/template/spec',
  Deployment: 'spec/template/spec',
  Job: 'spec/template/spec',
  Pod: 'spec',
  ReplicaSet: 'spec/template/spec',
  StatefulSet: 'spec/template/spec',
};

/** kustomize's built-in varReference field specs (api/internal/konfig/builtinpluginconsts/varreference.go). */
export const DEFAULT_VAR_REFERENCE: readonly FieldSpec[] = [
  ...Object.entries(POD_TEMPLATE_PATHS).flatMap(([kind, pod]) => [
    ...['containers', 'initContainers'].flatMap((list) =>
      ['args', 'command', 'env/value', 'volumeMounts/mountPath'].map((f) => ({ kind, path: `${pod}/${list}/${f}` })),
    ),
    // kustomize's CronJob entry skips the pod spec's "spec" segment; StatefulSet's points at claim templates.
    {
      kind,
      path:
        kind === 'CronJob'
          ? 'spec/jobTemplate/spec/template/volumes/nfs/server'
          : kind === 'StatefulSet'
            ? 'spec/volumeClaimTemplates/spec/nfs/server'
            : `${pod}/volumes/nfs/server`,
    },
  ]),
  { kind: 'Deployment', path: 'spec/template/metadata/annotations' },
  { kind: 'Ingress', path: 'spec/rules/host' },
  { kind: 'Ingress', path: 'spec/tls/hosts' },
  { kind: 'Ingress', path: 'spec/tls/secretName' },
  { kind: 'Service', path: 'spec/ports/port' },
  { kind: 'Service', path: 'spec/ports/targetPort' },
  { kind: 'PersistentVolume', path: 'spec/nfs/server' },
  { path: 'metadata/labels' },
  { path: 'metadata/annotations' },
];

function str(file: string, where: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string')
    throw new RenderError(RenderErrorCode.InvalidKustomization, file, `${where} must be a string`);
  return value;
}

export function parseVars(k: Kustomization): VarDef[] {
  return objectList(k, 'vars').map((v, i) => {
    const where = `vars[${i}]`;
    checkKeys(k.file, where, v, ['name', 'objref', 'fieldref']);
    const name = str(k.file, `${where}.name`, v['name']);
    const ref = v['objref'];
    if (!name || !isPlainObject(ref))
      throw new RenderError(RenderErrorCode.InvalidKustomization, k.file, `${where} needs a name and an objref`);
    checkKeys(k.file, `${where}.objref`, ref, ['apiVersion', 'group', 'version', 'kind', 'name', 'namespace']);
    let group = str(k.file, `${where}.objref.group`, ref['group']);
    let version = str(k.file, `${where}.objref.version`, ref['version']);
    const apiVersion = str(k.file, `${where}.objref.apiVersion`, ref['apiVersion']);
    if (apiVersion) {
      const parts = apiVersion.split('/');
      if (parts.length === 2) [group = '', version = ''] = parts;
      else if (parts.length === 1) version = apiVersion;
    }
    const fieldref = v['fieldref'];
    if (fieldref !== undefined && fieldref !== null && !isPlainObject(fieldref))
      throw new RenderError(RenderErrorCode.InvalidKustomization, k.file, `${where}.fieldref must be a mapping`);
    if (fieldref) checkKeys(k.file, `${where}.fieldref`, fieldref, ['fieldpath', 'fieldPath']);
    const fieldPath =
      str(k.file, `${where}.fieldref.fieldpath`, fieldref?.['fieldpath'] ?? fieldref?.['fieldPath']) || 'metadata.name';
    return {
      name,
      group,
      version,
      kind: str(k.file, `${where}.objref.kind`, ref['kind']),
      objName: str(k.file, `${where}.objref.name`, ref['name']),
      namespace: str(k.file, `${where}.objref.namespace`, ref['namespace']),
      fieldPath,
      file: k.file,
    };
  });
}

function effectiveNs(ns: string, clusterScoped: boolean): string {
  return clusterScoped ? '' : ns || 'default';
}

/** Binds each var of this level to the one object it names (by current or earlier id), then adds it to the set. */
export function mergeVars(set: VarSet, defs: readonly VarDef[], resources: readonly Resource[]): void {
  for (const def of defs) {
    const clusterScoped = isBuiltinClusterScoped({
      apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
      kind: def.kind,
    });
    const byNs = def.namespace !== '' || clusterScoped;
    const matched = resources.filter((res) => {
      const { group, version } = parseApiVersion(res.obj.apiVersion);
      if (group !== def.group || version !== def.version || res.obj.kind !== def.kind) return false;
      const ids = [...res.history, { name: res.obj.metadata.name, namespace: res.obj.metadata.namespace ?? '' }];
      return ids.some(
        (id) =>
          id.name === def.objName &&
          (!byNs ||
            effectiveNs(id.namespace, isBuiltinClusterScoped(res.obj)) === effectiveNs(def.namespace, clusterScoped)),
      );
    });
    if (matched.length > 1)
      throw new RenderError(
        RenderErrorCode.InvalidKustomization,
        def.file,
        `found ${matched.length} objects for var ${def.name} (unable to disambiguate)`,
      );
    addVar(set, { def, target: matched[0] });
  }
}

export function addVar(set: VarSet, v: BoundVar): void {
  if (set.has(v.def.name))
    throw new RenderError(RenderErrorCode.InvalidKustomization, v.def.file, `var '${v.def.name}' already encountered`);
  set.set(v.def.name, v);
}

/** `a.b[0].c`, `a.b[name=x].c` (kyaml's GetFieldValue). */
function fieldValue(obj: unknown, path: string): unknown {
  const parts: string[] = [];
  for (const raw of path.match(/(?:[^.[\]]+|\[[^\]]*\])+/g) ?? []) {
    const m = /^(.*)\[(\d+)\]$/.exec(raw);
    if (m) {
      if (m[1]) parts.push(m[1]);
      parts.push(`#${m[2]}`);
    } else parts.push(raw);
  }
  let node = obj;
  for (const part of parts) {
    if (Array.isArray(node)) {
      const sel = /^\[(.*)=(.*)\]$/.exec(part);
      if (part.startsWith('#')) node = node[Number(part.slice(1))];
      else if (sel) node = node.find((e) => isPlainObject(e) && String(e[sel[1] ?? '']) === sel[2]);
      else return undefined;
    } else if (isPlainObject(node)) node = node[part.startsWith('#') ? part.slice(1) : part];
    else return undefined;
  }
  return node;
}

type Mapping = (name: string) => unknown;

/** kustomize's DoReplacements. */
export function expandVars(input: string, mapping: Mapping): unknown {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let read: string;
    let isVar = false;
    let advance = 1;
    if (rest[0] === '$') read = '$';
    else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close > 0) {
        read = rest.slice(1, close);
        isVar = true;
        advance = close + 1;
      } else read = '$(';
    } else read = `$${rest[0]}`;
    if (isVar) {
      const mapped = mapping(read);
      if (input === `$(${read})`) return mapped;
      out += String(mapped);
    } else out += read;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

function sameSpec(a: FieldSpec, b: FieldSpec): boolean {
  return (
    a.path === b.path &&
    (a.group ?? '') === (b.group ?? '') &&
    (a.version ?? '') === (b.version ?? '') &&
    (a.kind ?? '') === (b.kind ?? '')
  );
}

/** Substitutes every var in the varReference fields of every object (the end of a top-level build). */
export function resolveVars(set: VarSet, resources: readonly Resource[], custom: readonly FieldSpec[]): void {
  if (set.size === 0) return;
  const values = new Map<string, unknown>();
  for (const [name, { def, target }] of set) {
    if (!target)
      throw new RenderError(
        RenderErrorCode.InvalidKustomization,
        def.file,
        `var '${name}' cannot be mapped to a field in the set of known resources (no ${def.kind} "${def.objName}"${def.version ? ` of version ${def.group ? `${def.group}/` : ''}${def.version}` : ' — objref needs the exact apiVersion'})`,
      );
    const value = fieldValue(target.obj, def.fieldPath);
    if (value === undefined)
      throw new RenderError(
        RenderErrorCode.InvalidKustomization,
        def.file,
        `field ${def.fieldPath} of var '${name}' not found in ${def.kind}/${def.objName}`,
      );
    values.set(name, value);
  }
  const mapping: Mapping = (name) => {
    const value = values.get(name);
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : `$(${name})`;
  };
  const specs = [...DEFAULT_VAR_REFERENCE];
  for (const fs of custom) if (!specs.some((s) => sameSpec(s, fs))) specs.push(fs);
  const expand = (value: unknown): unknown => (typeof value === 'string' ? expandVars(value, mapping) : value);
  for (const res of resources) {
    for (const fs of specs) {
      visitSpecs(res.obj, [{ ...fs, create: false }], 'string', (value, set) => {
        if (value === undefined || value === null) return;
        if (typeof value === 'string') set(expand(value));
        else if (Array.isArray(value)) {
          value.forEach((item, i) => {
            if (typeof item !== 'string')
              throw new RenderError(
                RenderErrorCode.InvalidKustomization,
                res.file,
                `${res.obj.kind}/${res.obj.metadata.name} ${fs.path}: invalid value type expect a string`,
              );
            value[i] = expand(item);
          });
        } else if (isPlainObject(value)) {
          for (const [key, item] of Object.entries(value)) value[key] = expand(item);
        }
      });
    }
  }
}

/** RFC 6902 JSON Patch (add, remove, replace, move, copy, test) over plain JS values. */
import { isPlainObject } from '../../yaml/parse-manifests.js';
import { UNSAFE_KEYS, unsafeKeyMessage } from '../../yaml/unsafe-keys.js';

export interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

export class JsonPatchError extends Error {}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer "${pointer}"`);
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const unsafe = tokens.find((t) => UNSAFE_KEYS.has(t));
  if (unsafe !== undefined) throw new JsonPatchError(`JSON pointer "${pointer}": ${unsafeKeyMessage(unsafe)}`);
  return tokens;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (structuredClone(v) as T);
}

function resolveParent(doc: unknown, tokens: string[], pointer: string): { parent: unknown; key: string } {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isPlainObject(node)) node = node[token];
    else node = undefined;
    if (node === undefined) throw new JsonPatchError(`path "${pointer}" does not exist`);
  }
  return { parent: node, key: tokens[tokens.length - 1] as string };
}

function arrayIndex(arr: unknown[], key: string, pointer: string, forAdd: boolean): number {
  if (forAdd && key === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw new JsonPatchError(`path "${pointer}": "${key}" is not an array index`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length))
    throw new JsonPatchError(`path "${pointer}": index ${i} is out of range`);
  return i;
}

function get(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(node)) node = node[arrayIndex(node, token, pointer, false)];
    else if (isPlainObject(node) && token in node) node = node[token];
    else throw new JsonPatchError(`path "${pointer}" does not exist`);
  }
  return node;
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, true), 0, value);
  else if (isPlainObject(parent)) parent[key] = value;
  else throw new JsonPatchError(`path "${pointer}": parent is not a container`);
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new JsonPatchError('cannot remove the whole document');
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, false), 1);
  else if (isPlainObject(parent) && key in parent) delete parent[key];
  else throw new JsonPatchError(`path "${pointer}" does not exist`);
  return doc;
}

/** True when `pointer` names a key its (existing) parent object lacks. */
function replacesMissingKey(doc: unknown, pointer: string): boolean {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return false;
  const { parent, key } = resolveParent(doc, tokens, pointer);
  return isPlainObject(parent) && !(key in parent);
}

function deepEqual(a: unknown, b: unknown): boolean {
  return (
    JSON.stringify(a) === JSON.stringify(b) ||
    (isPlainObject(a) &&
      isPlainObject(b) &&
      Object.keys(a).length === Object.keys(b).length &&
      Object.keys(a).every((k) => deepEqual(a[k], b[k])))
  );
}

/** Applies the operations in order to (a mutable copy of) `doc` and returns the result. */
export function applyJsonPatch(doc: unknown, ops: readonly JsonPatchOp[]): unknown {
  let out = clone(doc);
  ops.forEach((op, i) => {
    const at = `operation ${i + 1} (${op.op} ${op.path})`;
    try {
      switch (op.op) {
        case 'add':
          out = add(out, op.path, clone(op.value));
          break;
        case 'remove':
          out = remove(out, op.path);
          break;
        case 'replace':
          if (replacesMissingKey(out, op.path)) {
            // kustomize's json-patch sets a missing key of an existing object (kubectl builds it).
            out = add(out, op.path, clone(op.value));
            break;
          }
          get(out, op.path);
          out = add(remove(out, op.path), op.path, clone(op.value));
          break;
        case 'move': {
          const value = get(out, op.from ?? '');
          out = add(remove(out, op.from ?? ''), op.path, value);
          break;
        }
        case 'copy':
          out = add(out, op.path, clone(get(out, op.from ?? '')));
          break;
        case 'test':
          if (!deepEqual(get(out, op.path), op.value)) throw new JsonPatchError('test failed: value differs');
          break;
        default:
          throw new JsonPatchError(`unknown op "${op.op}"`);
      }
    } catch (e) {
      throw new JsonPatchError(`${at}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return out;
}

export function isJsonPatchOps(value: unknown): value is JsonPatchOp[] {
  return (
    Array.isArray(value) &&
    value.every((op) => isPlainObject(op) && typeof op['op'] === 'string' && typeof op['path'] === 'string')
  );
}

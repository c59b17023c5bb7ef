// JSON merge patch (RFC 7386) and JSON patch (RFC 6902) over plain JSON objects.
import { errors, KubeError } from './errors.js';
import { isUnsafeKey } from './http/unsafe-keys.js';

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  const out: Record<string, any> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/')))
    throw invalidPatch(`invalid JSON pointer "${String(path)}"`);
  const segs = path === '' ? [] : path.slice(1).split('/').map(unescape);
  const unsafe = segs.find(isUnsafeKey);
  if (unsafe !== undefined) throw invalidPatch(`JSON pointer "${path}": "${unsafe}" is not allowed`);
  return segs;
}

function invalidPatch(why: string): KubeError {
  return new KubeError(422, 'Invalid', `the server rejected our request due to an error in our request: ${why}`);
}

function parentOf(doc: any, segs: string[]): { parent: any; last: string } {
  let cur = doc;
  for (const s of segs.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(s)] : isObj(cur) ? cur[s] : undefined;
    if (cur === undefined) throw invalidPatch(`doc is missing path: "/${segs.join('/')}": missing value`);
  }
  return { parent: cur, last: segs[segs.length - 1] };
}

function getAt(doc: any, segs: string[]): unknown {
  let cur = doc;
  for (const s of segs) {
    cur = Array.isArray(cur) ? cur[Number(s)] : isObj(cur) ? cur[s] : undefined;
    if (cur === undefined) throw invalidPatch(`doc is missing path: "/${segs.join('/')}": missing value`);
  }
  return cur;
}

function arrayIndex(arr: any[], s: string, forAdd: boolean): number {
  if (forAdd && s === '-') return arr.length;
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > arr.length || (!forAdd && n >= arr.length))
    throw invalidPatch(`unable to access invalid index: ${s}`);
  return n;
}

function add(doc: any, segs: string[], value: unknown): any {
  if (!segs.length) return value;
  const { parent, last } = parentOf(doc, segs);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true), 0, value);
  else if (isObj(parent)) parent[last] = value;
  else throw invalidPatch(`doc is missing path: "/${segs.join('/')}"`);
  return doc;
}

function remove(doc: any, segs: string[]): unknown {
  const { parent, last } = parentOf(doc, segs);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, last, false), 1)[0];
  if (!isObj(parent) || !(last in parent))
    throw invalidPatch(`Unable to remove nonexistent key: ${last}: missing value`);
  const v = parent[last];
  delete parent[last];
  return v;
}

/** Applies a JSON patch to a private copy of the document. */
export function jsonPatch(docIn: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops))
    throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc: any = JSON.parse(JSON.stringify(docIn));
  for (const op of ops) {
    if (!isObj(op)) throw invalidPatch('operation is not an object');
    const segs = pointer(op.path);
    const value = op.value === undefined ? undefined : JSON.parse(JSON.stringify(op.value));
    switch (op.op) {
      case 'add':
        doc = add(doc, segs, value);
        break;
      case 'remove':
        remove(doc, segs);
        break;
      case 'replace':
        getAt(doc, segs);
        if (!segs.length) doc = value;
        else {
          remove(doc, segs);
          doc = add(doc, segs, value);
        }
        break;
      case 'move': {
        const v = remove(doc, pointer(op.from));
        doc = add(doc, segs, v);
        break;
      }
      case 'copy':
        doc = add(doc, segs, JSON.parse(JSON.stringify(getAt(doc, pointer(op.from)))));
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, segs)) !== JSON.stringify(value))
          throw invalidPatch(`testing value /${segs.join('/')} failed: test failed`);
        break;
      default:
        throw invalidPatch(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return doc;
}

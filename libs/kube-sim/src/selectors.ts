// Label selectors (equality and set-based, as kubectl -l sends them) and field selectors
// (metadata.name, metadata.namespace and simple dotted paths).
import { errors } from './errors.js';

type Req = { key: string; op: 'in' | 'notin' | 'exists' | '!' | '=' | '!='; values: string[] };
export type Matcher = (obj: any) => boolean;

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function parseReq(p: string): Req {
  let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
  if (m)
    return {
      key: m[1],
      op: m[2] as 'in' | 'notin',
      values: m[3]
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    };
  m = /^!\s*(\S+)$/.exec(p);
  if (m) return { key: m[1], op: '!', values: [] };
  m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(p);
  if (m) return { key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] };
  if (/^[^=!\s()]+$/.test(p)) return { key: p, op: 'exists', values: [] };
  throw errors.badRequest(`unable to parse requirement: found '${p}', expected: in, notin, =, ==, !=, gt, lt`);
}

export function parseLabelSelector(s: string | null): Matcher | undefined {
  if (!s) return undefined;
  const reqs = splitTop(s).map(parseReq);
  for (const r of reqs)
    if (!KEY.test(r.key)) throw errors.badRequest(`unable to parse requirement: invalid label key "${r.key}"`);
  return (obj) => {
    const labels: Record<string, string> = obj?.metadata?.labels ?? {};
    return reqs.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(labels, r.key);
      const v = labels[r.key];
      switch (r.op) {
        case 'exists':
          return has;
        case '!':
          return !has;
        case '=':
          return has && v === r.values[0];
        case '!=':
          return !has || v !== r.values[0];
        case 'in':
          return has && r.values.includes(v);
        case 'notin':
          return !has || !r.values.includes(v);
      }
    });
  };
}

function fieldValue(obj: any, path: string): string {
  let cur = obj;
  for (const seg of path.split('.')) cur = cur == null ? undefined : cur[seg];
  return cur == null ? '' : String(cur);
}

export function parseFieldSelector(s: string | null): Matcher | undefined {
  if (!s) return undefined;
  const reqs = splitTop(s).map((p) => {
    const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(p);
    if (!m) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${p}'`);
    return { path: m[1], neg: m[2] === '!=', value: m[3] };
  });
  return (obj) => reqs.every((r) => (fieldValue(obj, r.path) === r.value) !== r.neg);
}

/** A selector that accepts an object only when every given matcher does. */
export function both(a?: Matcher, b?: Matcher): Matcher | undefined {
  if (!a) return b;
  if (!b) return a;
  return (o) => a(o) && b(o);
}

/** Parses a `matchLabels`/`matchExpressions` LabelSelector object (used by the scale subresource). */
export function selectorString(sel: any): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const op = String(e.operator ?? '').toLowerCase();
    if (op === 'exists') parts.push(e.key);
    else if (op === 'doesnotexist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${op} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',');
}

/**
 * Single-line YAML values for the fast path (plain-yaml.ts): quoted scalars, plain scalars and
 * flow collections that open and close on one line. Anything else — a value continued on the
 * next line, anchors, aliases, tags, block scalars, implicit pairs in flow sequences, a plain
 * scalar that could be read two ways — throws NotPlain, and the file goes to `yaml` instead.
 * Plain scalars resolve through the very schema `yaml` is configured with (yaml-schema.ts).
 */
import { resolvePlainScalar, ScalarNotPlain } from './yaml-schema.js';
import { UNSAFE_KEYS } from './unsafe-keys.js';

/** The text is outside what the fast path reads; `yaml` will parse it. */
export class NotPlain extends Error {}

export function notPlain(why: string): never {
  throw new NotPlain(why);
}

/** Keys the fast path takes unquoted: `app.kubernetes.io/name`, `PODINFO_UI_COLOR`, `config.yaml`. */
const PLAIN_KEY = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
/** Longest key `yaml` accepts on one line is 1024 characters; stay clear of the limit. */
const MAX_KEY = 1000;
/** Characters no plain scalar may start with (indicators), in block or flow context. */
const BAD_PLAIN_START = new Set([
  '[',
  ']',
  '{',
  '}',
  ',',
  '#',
  '&',
  '*',
  '!',
  '|',
  '>',
  "'",
  '"',
  '%',
  '@',
  '`',
  '?',
  ':',
]);
/** A `-` followed by these (or nothing) is an entry indicator or an empty entry, not a plain scalar. */
const AFTER_DASH_NOT_PLAIN = new Set([' ', ',', '[', ']', '{', '}', '#']);
const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

export function resolvePlain(source: string, atKey: boolean): unknown {
  try {
    return resolvePlainScalar(source, atKey);
  } catch (e) {
    if (e instanceof ScalarNotPlain) notPlain(e.message);
    throw e;
  }
}

/** A plain key's string, or NotPlain when `yaml` would make it something else (`true`, `1`, `<<`). */
export function plainKey(source: string): string {
  if (source.length > MAX_KEY || !PLAIN_KEY.test(source)) notPlain(`key ${source.slice(0, 40)}`);
  const key = resolvePlain(source, true);
  if (typeof key !== 'string') notPlain(`key ${source} is not a string`);
  return key;
}

/** A double- or single-quoted scalar starting at `start`; returns the value and the index after the closing quote. */
export function quoted(s: string, start: number): [string, number] {
  return s[start] === '"' ? doubleQuoted(s, start) : singleQuoted(s, start);
}

function doubleQuoted(s: string, start: number): [string, number] {
  let out = '';
  let from = start + 1;
  for (let i = from; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"') return [out + s.slice(from, i), i + 1];
    if (ch !== '\\') continue;
    out += s.slice(from, i);
    const next = s[i + 1] ?? '';
    const simple = ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i++;
    } else {
      const length = HEX_LENGTH[next];
      const hex = length ? s.slice(i + 2, i + 2 + length) : '';
      if (!length || hex.length !== length || !/^[0-9a-fA-F]+$/.test(hex) || parseInt(hex, 16) > 0x10ffff)
        notPlain(`escape \\${next}`);
      out += String.fromCodePoint(parseInt(hex, 16));
      i += 1 + length;
    }
    from = i + 1;
  }
  return notPlain('double-quoted scalar continues on the next line');
}

function singleQuoted(s: string, start: number): [string, number] {
  let out = '';
  let from = start + 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] !== "'") continue;
    if (s[i + 1] === "'") {
      out += s.slice(from, i + 1);
      i++;
      from = i + 1;
      continue;
    }
    return [out + s.slice(from, i), i + 1];
  }
  return notPlain('single-quoted scalar continues on the next line');
}

/** Only spaces, or spaces then a comment, may follow a value on its line. */
export function assertLineEnd(s: string, i: number): void {
  if (i === s.length) return;
  if (s[i] !== ' ') notPlain(`text after a value: ${s.slice(i, i + 20)}`);
  while (s[i] === ' ') i++;
  if (i < s.length && s[i] !== '#') notPlain(`text after a value: ${s.slice(i, i + 20)}`);
}

function assertPlainStart(s: string, i: number): void {
  const ch = s[i] ?? '';
  if (BAD_PLAIN_START.has(ch) || (ch === '-' && (i + 1 === s.length || AFTER_DASH_NOT_PLAIN.has(s[i + 1] as string))))
    notPlain(`plain scalar starting with ${ch}`);
}

/** A block-context value that sits wholly on its line (`s` from the value's first character). */
export function lineValue(s: string): unknown {
  const ch = s[0];
  if (ch === '"' || ch === "'") {
    const [value, end] = quoted(s, 0);
    assertLineEnd(s, end);
    return value;
  }
  if (ch === '{' || ch === '[') {
    const [value, end] = flowValue(s, 0);
    assertLineEnd(s, end);
    return value;
  }
  assertPlainStart(s, 0);
  const hash = s.indexOf(' #');
  const source = (hash < 0 ? s : s.slice(0, hash)).trimEnd();
  if (source.includes(': ') || source.endsWith(':') || /[[\]{}]/.test(source))
    notPlain(`plain scalar ${source.slice(0, 40)}`);
  return resolvePlain(source, false);
}

function skipSpaces(s: string, i: number): number {
  while (s[i] === ' ') i++;
  return i;
}

/** A flow value at `i` (after spaces): a collection, a quoted scalar or a plain scalar. */
function flowValue(s: string, i: number): [unknown, number] {
  const ch = s[i];
  if (ch === '{') return flowMap(s, i);
  if (ch === '[') return flowSeq(s, i);
  if (ch === '"' || ch === "'") return quoted(s, i);
  const [source, end] = flowPlain(s, i);
  return [resolvePlain(source, false), end];
}

/** A plain scalar in flow context: up to `,` `]` `}` (a `:`, `[`, `{` or comment inside is not for the fast path). */
function flowPlain(s: string, i: number): [string, number] {
  assertPlainStart(s, i);
  let j = i;
  while (j < s.length && s[j] !== ',' && s[j] !== ']' && s[j] !== '}') {
    const c = s[j];
    if (c === ':' || c === '[' || c === '{' || (c === '#' && s[j - 1] === ' ')) notPlain(`flow scalar with ${c}`);
    j++;
  }
  if (j === s.length) notPlain('flow collection continues on the next line');
  const source = s.slice(i, j).trimEnd();
  if (source === '') notPlain('empty flow entry');
  return [source, j];
}

function flowKey(s: string, i: number): [string, number] {
  if (s[i] === '"' || s[i] === "'") {
    const [key, end] = quoted(s, i);
    if (end - i > MAX_KEY) notPlain('long flow key');
    return [key, end];
  }
  let j = i;
  while (j < s.length && s[j] !== ':' && s[j] !== ',' && s[j] !== '}' && s[j] !== ' ') j++;
  return [plainKey(s.slice(i, j)), j];
}

function flowMap(s: string, start: number): [Record<string, unknown>, number] {
  const out: Record<string, unknown> = {};
  let i = skipSpaces(s, start + 1);
  if (s[i] === '}') return [out, i + 1];
  for (;;) {
    const [key, afterKey] = flowKey(s, i);
    if (s[afterKey] !== ':' || s[afterKey + 1] !== ' ') notPlain('flow mapping entry without ": "');
    if (UNSAFE_KEYS.has(key) || Object.hasOwn(out, key)) notPlain(`flow key ${key}`);
    i = skipSpaces(s, afterKey + 2);
    if (s[i] === ',' || s[i] === '}') notPlain('flow mapping entry without a value');
    const [value, afterValue] = flowValue(s, i);
    out[key] = value;
    i = skipSpaces(s, afterValue);
    if (s[i] === '}') return [out, i + 1];
    if (s[i] !== ',') notPlain('flow mapping not continued by , or }');
    i = skipSpaces(s, i + 1);
    if (s[i] === '}' || i === s.length) notPlain('trailing comma or flow mapping continued on the next line');
  }
}

function flowSeq(s: string, start: number): [unknown[], number] {
  const out: unknown[] = [];
  let i = skipSpaces(s, start + 1);
  if (s[i] === ']') return [out, i + 1];
  for (;;) {
    const [value, afterValue] = flowValue(s, i);
    out.push(value);
    i = skipSpaces(s, afterValue);
    if (s[i] === ']') return [out, i + 1];
    if (s[i] !== ',') notPlain('flow sequence not continued by , or ]');
    i = skipSpaces(s, i + 1);
    if (s[i] === ']' || i === s.length) notPlain('trailing comma or flow sequence continued on the next line');
  }
}

/**
 * The fast path for the plain YAML most manifests are: block mappings and sequences whose values
 * each sit on one line (plain, quoted, or a one-line flow collection), comments, `---` between
 * documents. It yields exactly what `yaml` (as yaml-schema.ts configures it) yields for such a
 * file, or `undefined` for anything else — block scalars, multi-line scalars or flow collections,
 * anchors and aliases, tags, merge keys, complex or non-string keys, duplicate keys, directives,
 * tabs, CR or other control characters — and then `yaml` parses the file (and reports any error).
 */
import { lineValue, notPlain, NotPlain, plainKey, quoted, assertLineEnd } from './line-values.js';
import { resolvePlainScalar } from './yaml-schema.js';
import { UNSAFE_KEYS } from './unsafe-keys.js';

interface Line {
  indent: number;
  /** The line without its indentation (never empty, never a comment). */
  text: string;
}

/** Characters that make a file not plain anywhere they appear (tabs, CR, NEL, LS/PS, BOM, C0/C1 controls). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NOT_PLAIN_CHARS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;

const isSeqEntry = (text: string): boolean => text === '-' || text.startsWith('- ');

/** Where a line's `key:` ends: the key's value and the text after the colon, or undefined when the line is no mapping entry. */
function splitKey(text: string): { key: string; rest: string } | undefined {
  if (text[0] === '"' || text[0] === "'") {
    const [key, end] = quoted(text, 0);
    if (text[end] !== ':' || (end + 1 < text.length && text[end + 1] !== ' ')) return undefined;
    if (end > 1000) notPlain('long quoted key');
    return { key, rest: text.slice(end + 1) };
  }
  if (text[0] === '{' || text[0] === '[') return undefined;
  let colon = text.indexOf(':');
  while (colon >= 0 && colon + 1 < text.length && text[colon + 1] !== ' ') colon = text.indexOf(':', colon + 1);
  if (colon < 0) return undefined;
  return { key: plainKey(text.slice(0, colon)), rest: text.slice(colon + 1) };
}

class BlockParser {
  private i = 0;

  constructor(private readonly lines: Line[]) {}

  document(): unknown {
    const value = this.node();
    if (this.i !== this.lines.length) notPlain(`line indented less than the document's first line`);
    return value;
  }

  private get line(): Line | undefined {
    return this.lines[this.i];
  }

  private node(): unknown {
    const line = this.lines[this.i] as Line;
    return isSeqEntry(line.text) ? this.seq(line.indent) : this.map(line.indent);
  }

  private map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let line = this.line; line && line.indent >= indent; line = this.line) {
      if (line.indent > indent) notPlain('unexpected indentation');
      if (isSeqEntry(line.text)) notPlain('sequence entry inside a mapping');
      const entry = splitKey(line.text);
      if (!entry) notPlain(`not a mapping entry: ${line.text.slice(0, 40)}`);
      if (UNSAFE_KEYS.has(entry.key) || Object.hasOwn(out, entry.key)) notPlain(`key ${entry.key}`);
      this.i++;
      out[entry.key] = this.value(entry.rest, indent, true);
    }
    return out;
  }

  private seq(indent: number): unknown[] {
    const out: unknown[] = [];
    for (let line = this.line; line && line.indent >= indent; line = this.line) {
      if (line.indent > indent) notPlain('unexpected indentation');
      if (!isSeqEntry(line.text)) break;
      let j = 1;
      while (line.text[j] === ' ') j++;
      const content = line.text.slice(j);
      if (content !== '' && content[0] !== '#' && (isSeqEntry(content) || splitKey(content))) {
        // `- key: v` / `- - v`: a compact collection whose column is that of its first character.
        this.lines[this.i] = { indent: indent + j, text: content };
        out.push(this.node());
        continue;
      }
      this.i++;
      out.push(this.value(line.text.slice(1), indent, false));
    }
    return out;
  }

  /** The value after `key:` or `- `: on this line, on the lines below, or empty (null). */
  private value(rest: string, indent: number, inMap: boolean): unknown {
    const start = rest.length - rest.trimStart().length;
    const text = rest.slice(start);
    const next = this.line;
    if (text === '' || (text[0] === '#' && start > 0)) {
      if (next && next.indent > indent) return this.node();
      if (inMap && next && next.indent === indent && isSeqEntry(next.text)) return this.seq(indent);
      return resolvePlainScalar('', false);
    }
    if (next && next.indent > indent) notPlain('value continued on the next line');
    return lineValue(text);
  }
}

/** Splits the file into documents of content lines (comment and blank lines dropped): one per `---`, and one before the first when it has content — as `yaml` counts them. */
function documents(text: string): Line[][] {
  const docs: Line[][] = [];
  let lines: Line[] = [];
  let started = false;
  for (const raw of text.split('\n')) {
    if (raw.startsWith('---') && (raw.length === 3 || raw[3] === ' ')) {
      assertLineEnd(raw, 3);
      if (started || lines.length > 0) docs.push(lines);
      lines = [];
      started = true;
      continue;
    }
    if (raw.startsWith('...') || raw[0] === '%') notPlain('document end marker or directive');
    let indent = 0;
    while (raw[indent] === ' ') indent++;
    if (indent === raw.length || raw[indent] === '#') continue;
    lines.push({ indent, text: indent === 0 ? raw : raw.slice(indent) });
  }
  if (started || lines.length > 0) docs.push(lines);
  return docs;
}

/**
 * The documents of `text` (null for an empty one), as `yaml` would give them, or undefined when
 * the file is not plain YAML or has `maxDocuments` documents or more.
 */
export function parsePlainYaml(text: string, maxDocuments: number): unknown[] | undefined {
  if (NOT_PLAIN_CHARS.test(text)) return undefined;
  try {
    const docs = documents(text);
    if (docs.length >= maxDocuments) return undefined;
    return docs.map((lines) => (lines.length === 0 ? null : new BlockParser(lines).document()));
  } catch (e) {
    if (e instanceof NotPlain) return undefined;
    throw e;
  }
}

/**
 * go-yaml (kustomize, kubectl) reads a quoted scalar whose continuation lines are not indented past
 * its key, e.g. `description: 'one` / `two'` with `two'` under `description`; `yaml` stops the
 * scalar there and reports a missing closing quote. Re-indenting those continuation lines never
 * changes the value (a quoted scalar folds its line breaks and drops leading spaces), so the file is
 * read as go-yaml reads it. Only the scalars `yaml` reported are touched.
 */

/** Where the quoted scalar on the line holding `offset` starts: its quote and the column its lines must pass. */
function openingQuote(text: string, offset: number): { quote: number; minIndent: number } | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = text.indexOf('\n', lineStart);
  const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
  const key = /^(?:\s*-\s+)*\s*/.exec(line)?.[0].length ?? 0;
  const m = /(?:^|[:-]\s+)(['"])/.exec(line.slice(key));
  if (!m || m.index === undefined) return undefined;
  return { quote: lineStart + key + m.index + m[0].length - 1, minIndent: key + 1 };
}

/** The offset of the quote closing the scalar opened at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  const q = text[open];
  for (let i = open + 1; i < text.length; i++) {
    if (q === "'" && text[i] === "'") {
      if (text[i + 1] === "'") i++;
      else return i;
    } else if (q === '"' && text[i] === '\\') i++;
    else if (q === '"' && text[i] === '"') return i;
  }
  return -1;
}

/** `text` with the continuation lines of the quoted scalars at `offsets` indented past their key, or undefined when nothing changed. */
export function reindentQuotedContinuations(text: string, offsets: readonly number[]): string | undefined {
  const edits = new Map<number, number>(); // line start → spaces to add
  for (const offset of offsets) {
    const open = openingQuote(text, offset);
    if (!open) continue;
    const close = closingQuote(text, open.quote);
    if (close < 0) continue;
    for (let nl = text.indexOf('\n', open.quote); nl >= 0 && nl < close; nl = text.indexOf('\n', nl + 1)) {
      const start = nl + 1;
      let indent = 0;
      while (text[start + indent] === ' ') indent++;
      const blank = text[start + indent] === '\n' || text[start + indent] === '\r';
      if (!blank && indent < open.minIndent) edits.set(start, open.minIndent - indent);
    }
  }
  if (edits.size === 0) return undefined;
  let out = '';
  let from = 0;
  for (const [start, add] of [...edits].sort(([a], [b]) => a - b)) {
    out += text.slice(from, start) + ' '.repeat(add);
    from = start;
  }
  return out + text.slice(from);
}

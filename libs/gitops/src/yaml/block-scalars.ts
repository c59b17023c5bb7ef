/**
 * Block scalars read as Go's YAML library (go-yaml, which kustomize and kubectl use) reads them,
 * where that departs from the YAML spec that `yaml` follows (see render/kustomize.md):
 * - a `|` or `>` scalar (clip or keep chomping) that ends the file without a final line break has
 *   no final line break (`yaml` adds one);
 * - in a `>` scalar, the line break before a more-indented line that follows a normal line is kept
 *   twice (`yaml`, as the spec, keeps it once).
 */
import type { Document } from 'yaml';
import { isScalar, Scalar, visit } from 'yaml';

/** go-yaml's folding: one extra line break where a more-indented line follows a normal one. */
export function goFolded(value: string): string {
  const lines = value.split('\n');
  const out: string[] = [];
  let lastContentIndented: boolean | undefined;
  for (const line of lines) {
    const indented = line.startsWith(' ') || line.startsWith('\t');
    if (line !== '' && indented && lastContentIndented === false) out.push('');
    if (line !== '') lastContentIndented = indented;
    out.push(line);
  }
  return out.join('\n');
}

/** Rewrites the block scalars of a parsed document in place; `text` is the whole file the document came from. */
export function readBlockScalarsAsGo(doc: Document, text: string): void {
  visit(doc, {
    Scalar(_key, node) {
      if (!isScalar(node) || typeof node.value !== 'string') return;
      if (node.type !== Scalar.BLOCK_FOLDED && node.type !== Scalar.BLOCK_LITERAL) return;
      let value = node.value;
      if (node.type === Scalar.BLOCK_FOLDED) value = goFolded(value);
      const end = node.range?.[1];
      if (end === text.length && !/[\n\r]$/.test(text) && value.endsWith('\n')) value = value.slice(0, -1);
      node.value = value;
    },
  });
}

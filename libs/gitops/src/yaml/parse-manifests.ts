/**
 * Safe YAML parsing for Git content: YAML 1.1 scalars (what Kubernetes' own decoder sees: `0755`
 * is octal, `on` is true; yaml-schema.ts), an alias limit against alias bombs, a size cap and a
 * document-count cap. Empty documents are skipped. Plain files take the fast path
 * (plain-yaml.ts), which yields exactly what `yaml` yields; everything else goes to `yaml` v2.
 */
import { parseAllDocuments } from 'yaml';
import { RenderError, RenderErrorCode } from '../errors/render-error.js';
import { readBlockScalarsAsGo } from './block-scalars.js';
import { deepCopy } from './deep-copy.js';
import type { YamlDialect } from './kustomize-scalars.js';
import { mayHoldOldBools, oldBoolsAsStrings } from './kustomize-scalars.js';
import { parsePlainYaml } from './plain-yaml.js';
import { reindentQuotedContinuations } from './quoted-continuations.js';
import { findUnsafeKey, unsafeKeyMessage } from './unsafe-keys.js';
import { YAML_PARSE_OPTIONS } from './yaml-schema.js';

export interface YamlLimits {
  /** Largest file accepted, in bytes. */
  maxFileBytes: number;
  /** Most YAML documents accepted in one file. */
  maxDocuments: number;
  /** Most alias dereferences accepted per document (yaml's maxAliasCount). */
  maxAliasCount: number;
}

export const DEFAULT_YAML_LIMITS: YamlLimits = {
  maxFileBytes: 4 * 1024 * 1024,
  maxDocuments: 1000,
  maxAliasCount: 100,
};

export function checkFileSize(file: string, size: number, limits: YamlLimits): void {
  if (size > limits.maxFileBytes) {
    throw new RenderError(
      RenderErrorCode.FileTooLarge,
      file,
      `file is ${size} bytes, over the cap of ${limits.maxFileBytes} bytes`,
    );
  }
}

export function decodeUtf8(file: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RenderError(RenderErrorCode.InvalidYaml, file, 'file is not valid UTF-8');
  }
}

/** Parses every non-empty document of a YAML file into plain JS values. */
export function parseYamlDocuments(
  file: string,
  bytes: Uint8Array,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
  dialect: YamlDialect = 'kubernetes',
): unknown[] {
  checkFileSize(file, bytes.byteLength, limits);
  const text = decodeUtf8(file, bytes);
  // The fast path reads YAML 1.1 booleans; a kustomize file that may hold one goes to `yaml` (kustomize-scalars.ts).
  const fast = dialect === 'kustomize' && mayHoldOldBools(text) ? undefined : parsePlainYaml(text, limits.maxDocuments);
  const docs = fast ?? parseWithYaml(file, text, limits, dialect);
  return docs.filter((value) => value !== null && value !== undefined);
}

/** Every document of `text` through `yaml` itself (empty ones as null, aliases copied apart); errors name the file, document and line. */
export function parseWithYaml(
  file: string,
  source: string,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
  dialect: YamlDialect = 'kubernetes',
): unknown[] {
  let text = source;
  let docs = parseAllDocuments(text, YAML_PARSE_OPTIONS);
  if (!Array.isArray(docs)) return []; // an empty stream
  const cut = docs.flatMap((d) =>
    d.errors.filter((e) => /^Missing closing ['"]quote/.test(e.message)).map((e) => e.pos[0]),
  );
  const repaired = cut.length > 0 ? reindentQuotedContinuations(text, cut) : undefined;
  if (repaired !== undefined) {
    // Quoted scalars continued at their key's indentation, as go-yaml reads them (quoted-continuations.ts).
    const again = parseAllDocuments(repaired, YAML_PARSE_OPTIONS);
    if (Array.isArray(again) && again.every((d) => d.errors.length === 0)) {
      docs = again;
      text = repaired;
    }
  }
  if (docs.length > limits.maxDocuments) {
    throw new RenderError(
      RenderErrorCode.TooManyDocuments,
      file,
      `file has ${docs.length} YAML documents, over the cap of ${limits.maxDocuments}`,
    );
  }
  return docs.map((doc, index) => {
    const err = doc.errors[0];
    if (err) {
      const where = err.linePos?.[0] ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
      throw new RenderError(
        RenderErrorCode.InvalidYaml,
        file,
        `invalid YAML in document ${index + 1}${where}: ${err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
      );
    }
    readBlockScalarsAsGo(doc, text);
    if (dialect === 'kustomize') oldBoolsAsStrings(doc);
    let js: unknown;
    try {
      js = doc.toJS({ maxAliasCount: limits.maxAliasCount }) as unknown;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (/alias/i.test(message)) {
        throw new RenderError(
          RenderErrorCode.AliasLimit,
          file,
          `document ${index + 1} uses too many YAML aliases (limit ${limits.maxAliasCount}): ${message}`,
        );
      }
      throw new RenderError(RenderErrorCode.InvalidYaml, file, `invalid YAML in document ${index + 1}: ${message}`);
    }
    const unsafe = findUnsafeKey(js);
    if (unsafe !== undefined) {
      throw new RenderError(RenderErrorCode.InvalidYaml, file, `document ${index + 1}: ${unsafeKeyMessage(unsafe)}`);
    }
    // A copy, so aliases no longer share one JS value (structuredClone would keep the sharing).
    return deepCopy(js);
  });
}

/** Parses a file that must hold exactly one YAML mapping (a kustomization, a transformer config). */
export function parseYamlObject(
  file: string,
  bytes: Uint8Array,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
): Record<string, unknown> {
  const docs = parseYamlDocuments(file, bytes, limits);
  const [doc] = docs;
  if (docs.length !== 1 || !isPlainObject(doc)) {
    throw new RenderError(RenderErrorCode.InvalidYaml, file, 'expected exactly one YAML mapping');
  }
  return doc;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array)
  );
}

/**
 * The one YAML configuration Flotilla parses Git content with — YAML 1.1 scalars as Kubernetes'
 * own decoder sees them (`0755` is octal, `on` is true; no timestamps, no sexagesimal numbers) —
 * and plain-scalar resolution taken from that very schema, so the fast path (plain-yaml.ts) and
 * `yaml` itself can only ever agree on what a scalar means.
 */
import { Document, isScalar } from 'yaml';
import type { DocumentOptions, ParseOptions, ScalarTag, SchemaOptions, Tags } from 'yaml';

/**
 * YAML 1.1's plain-float pattern also matches `.`, `-.` and `._`, which Go's YAML decoders (kustomize's
 * and Kubernetes') read as strings: a float needs a digit (`delimiter: .` is a dot, not NaN).
 */
const FLOAT_11 = String(/^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/);
const FLOAT_WITH_DIGIT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]*[0-9][0-9_]*)$/;

/** YAML 1.1 as Kubernetes decodes it: no timestamps and no sexagesimal numbers (both stay strings). */
function kubernetesScalars(tags: Tags): Tags {
  return tags
    .filter((t) => typeof t === 'string' || (t.tag !== 'tag:yaml.org,2002:timestamp' && t.format !== 'TIME'))
    .map((t) =>
      typeof t !== 'string' && !t.collection && String(t.test) === FLOAT_11
        ? ({ ...t, test: FLOAT_WITH_DIGIT } as ScalarTag)
        : t,
    );
}

export const YAML_PARSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  uniqueKeys: true,
  prettyErrors: true,
  customTags: kubernetesScalars,
};

// `yaml` composes every document with a Document made from these options; its schema and
// resolved options are what a plain scalar is resolved against.
const reference = new Document(undefined, YAML_PARSE_OPTIONS);
const { tags } = reference.schema;
const resolveOptions = reference.options;

interface ScalarTagLike {
  default?: boolean | 'key';
  test?: RegExp;
  collection?: string;
  resolve: (value: string, onError: (message: string) => void, options: unknown) => unknown;
}

const plainTags = (tags as unknown as ScalarTagLike[]).filter((t) => !t.collection && t.test && t.default !== false);

/** The tests (regular expressions) of the tags above, in order; a spec pins them, so a `yaml` upgrade that changes one is noticed. */
export const PLAIN_TAG_TESTS: readonly string[] = plainTags.map((t) => String(t.test));

/**
 * Every first character a match of one of those tests can start with (null: `~`, `null`; bool:
 * `y n true false on off` in their cases; numbers: sign, digit, `.`, and `e` of an exponent-only
 * float). A scalar starting otherwise is a string without trying each test.
 */
const MAY_NOT_BE_STRING = new Set('~nNyYtTfFoO-+0123456789.eE');

/** Thrown when `yaml` itself would report a problem resolving a scalar: the caller falls back. */
export class ScalarNotPlain extends Error {}

/**
 * The JavaScript value `yaml` gives an untagged plain scalar: the first default tag whose test
 * matches resolves it, else it is a string — then `toJS`. A key that is a merge key (`<<`)
 * throws ScalarNotPlain: merging is `yaml`'s job.
 */
export function resolvePlainScalar(source: string, atKey: boolean): unknown {
  if (source !== '' && !MAY_NOT_BE_STRING.has(source[0] as string) && source[0] !== '<') return source;
  for (const tag of plainTags) {
    if (tag.default === 'key' && atKey && tag.test?.test(source)) throw new ScalarNotPlain(`${source} is a merge key`);
    if (tag.default === true && tag.test?.test(source)) {
      const res = tag.resolve(
        source,
        (message) => {
          throw new ScalarNotPlain(message);
        },
        resolveOptions,
      );
      const value = isScalar(res) ? res.value : res;
      return typeof value === 'bigint' ? Number(value) : value;
    }
  }
  return source;
}

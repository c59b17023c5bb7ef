/**
 * The name prefixes and suffixes each resource received, innermost first (kustomize's build
 * annotations), for the prefix/suffix tie-break of name references between equally named objects.
 */
import type { Resource } from './resource.js';

interface Affixes {
  prefixes: string[];
  suffixes: string[];
}

const affixes = new WeakMap<Resource, Affixes>();

function of(res: Resource): Affixes {
  let a = affixes.get(res);
  if (!a) {
    a = { prefixes: [], suffixes: [] };
    affixes.set(res, a);
  }
  return a;
}

/** Call after namePrefix/nameSuffix with each resource's name before it: renamed ones record the affixes. */
export function recordAffixes(
  resources: readonly Resource[],
  namesBefore: readonly string[],
  prefix: string,
  suffix: string,
): void {
  resources.forEach((res, i) => {
    if (res.obj.metadata.name === namesBefore[i]) return;
    const a = of(res);
    if (prefix) a.prefixes.push(prefix);
    if (suffix) a.suffixes.push(suffix);
  });
}

/** kustomize's utils.SameEndingSubSlice. */
function sameEnding(a: readonly string[], b: readonly string[]): boolean {
  const [shortest, longest] = a.length <= b.length ? [a, b] : [b, a];
  const diff = longest.length - shortest.length;
  if (shortest.length === 0) return diff === 0;
  return shortest.every((s, i) => longest[i + diff] === s);
}

/** kustomize's PrefixesSuffixesEquals(other, allowEmpty = true). */
export function sameAffixes(a: Resource, b: Resource): boolean {
  const x = of(a);
  const y = of(b);
  return (
    (x.prefixes.length === 0 || y.prefixes.length === 0 || sameEnding(x.prefixes, y.prefixes)) &&
    (x.suffixes.length === 0 || y.suffixes.length === 0 || sameEnding(x.suffixes, y.suffixes))
  );
}

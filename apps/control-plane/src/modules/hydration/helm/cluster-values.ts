/**
 * Per-cluster references in Helm values, so one chart serves the fleet. In `valuesInline` strings and
 * in the text of `valuesFile`/`additionalValuesFiles`:
 *   ${cluster.name} ${cluster.region} ${cluster.provider} ${cluster.kubeVersion}
 *   ${cluster.tag.KEY}     the value of the cluster's tag `KEY.value` (cluster tags allow letters,
 *                          digits, `-`, `_` and `.`; `KEY=value` and `KEY:value` are read too)
 *   ${cluster.hasTag.TAG}  `true` or `false`
 * `$${` stands for a literal `${`. An unknown reference, or a missing tag, is an error naming it.
 * A substituted value must be a plain YAML word (letters, digits, `.`, `_`, `/`, `-`), so it cannot
 * change the structure of a values file.
 */

export interface ClusterFacts {
  name: string;
  region: string;
  provider: string;
  kubeVersion: string;
  tags: readonly string[];
}

const REFERENCE = /\$(\$?)\{cluster\.([A-Za-z]+)(?:\.([A-Za-z0-9._/-]+))?\}/g;
const PLAIN = /^[A-Za-z0-9._/-]*$/;

export class ClusterValueError extends Error {}

function tagValue(tags: readonly string[], key: string): string | undefined {
  for (const tag of tags) {
    const m = /^([^=:.]+)[=:.](.*)$/.exec(tag);
    if (m && m[1] === key) return m[2];
  }
  return undefined;
}

function resolve(facts: ClusterFacts, field: string, arg: string | undefined): string {
  const ref = `\${cluster.${field}${arg !== undefined ? `.${arg}` : ''}}`;
  let value: string | undefined;
  if (arg === undefined && (field === 'name' || field === 'region' || field === 'provider' || field === 'kubeVersion'))
    value = facts[field];
  else if (field === 'tag' && arg !== undefined) {
    value = tagValue(facts.tags, arg);
    if (value === undefined) throw new ClusterValueError(`${ref}: cluster "${facts.name}" has no tag "${arg}.…"`);
  } else if (field === 'hasTag' && arg !== undefined) value = String(facts.tags.includes(arg));
  if (value === undefined)
    throw new ClusterValueError(
      `${ref} is not a cluster reference (use name, region, provider, kubeVersion, tag.KEY or hasTag.TAG)`,
    );
  if (!PLAIN.test(value))
    throw new ClusterValueError(`${ref} of cluster "${facts.name}" is "${value}", not a plain word`);
  return value;
}

/** `text` with every cluster reference replaced; without facts (a preview of no cluster) it is left as is. */
export function substituteCluster(text: string, facts: ClusterFacts | undefined): string {
  if (!facts || !text.includes('{cluster.')) return text;
  return text.replace(REFERENCE, (whole, escaped: string, field: string, arg: string | undefined) =>
    escaped ? whole.slice(1) : resolve(facts, field, arg),
  );
}

/** Every string of `values` (keys untouched) with cluster references replaced. */
export function substituteClusterValues(values: unknown, facts: ClusterFacts | undefined): unknown {
  if (!facts) return values;
  if (typeof values === 'string') return substituteCluster(values, facts);
  if (Array.isArray(values)) return values.map((v) => substituteClusterValues(v, facts));
  if (typeof values === 'object' && values !== null)
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, substituteClusterValues(v, facts)]));
  return values;
}

/**
 * kustomize's merge of `valuesInline` into the base values (the chart's values.yaml or `valuesFile`),
 * which it does with mergo on decoded YAML: `override` = mergo.WithOverride (inline wins), `merge` =
 * plain mergo (the base keeps every value it has, even "", 0 or false; only a missing or null one is
 * filled). Maps merge key by key; lists are replaced whole, never appended.
 */

type Values = Record<string, unknown>;

function isMap(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeInto(dst: Values, src: Values, override: boolean): void {
  for (const [key, s] of Object.entries(src)) {
    const d = dst[key];
    if (s === null) {
      if (override) dst[key] = null;
      continue;
    }
    if (isMap(s) && isMap(d)) {
      mergeInto(d, s, override);
      continue;
    }
    // Anything else replaces the base value when overriding, or fills a missing or null one.
    if (override || d === null || d === undefined) dst[key] = s;
  }
}

/** The values kustomize hands helm for `valuesMerge` `override` or `merge` (the base is modified). */
export function mergeValues(base: Values, inline: Values, mode: 'override' | 'merge'): Values {
  mergeInto(base, structuredClone(inline), mode === 'override');
  return base;
}

/** Tag selectors: a cluster matches when it has all of `allOf`, at least one of `anyOf` (if given) and none of `noneOf`. */

export interface TagSelector {
  allOf?: readonly string[];
  anyOf?: readonly string[];
  noneOf?: readonly string[];
}

export function matchesSelector(tags: readonly string[], selector: TagSelector): boolean {
  const has = new Set(tags);
  if (selector.allOf?.some((t) => !has.has(t))) return false;
  if (selector.anyOf?.length && !selector.anyOf.some((t) => has.has(t))) return false;
  return !selector.noneOf?.some((t) => has.has(t));
}

export function isEmptySelector(selector: TagSelector): boolean {
  return !selector.allOf?.length && !selector.anyOf?.length && !selector.noneOf?.length;
}

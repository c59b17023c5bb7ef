/**
 * Fleet-wide ignore rules (fleet.yaml `ignore:`): fields that belong to another writer on every
 * cluster a rule selects — "replicas belongs to the HPA" — as the per-object annotations do for one
 * object (drift/ignore-rules.ts). A rule selects clusters by their fleet path (`paths`, globs: `*`
 * within one folder name, `**` across folders) and/or their tags (`selector`), and objects by
 * `match` (group, kind, namespace, name; each optional); it ignores JSON pointers (`fields`) and/or
 * whatever given field managers own (`managers`). The hub resolves the rules per cluster and sends
 * them in the desired state; the agent's drift check and plan apply them.
 */
import { z } from 'zod';
import type { FleetIgnoreRuleMatch, IgnoreRule } from '../drift/ignore-rules.js';
import { parsePointer } from '../drift/ignore-rules.js';
import { matchesSelector, type TagSelector } from './tag-selector.js';

export interface FleetIgnoreRule extends IgnoreRule {
  name?: string;
  /** Fleet paths of the clusters it applies to (globs); none: every path. */
  paths?: string[];
  /** Tags of the clusters it applies to; none: every cluster. */
  selector?: TagSelector;
}

const tag = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._\-/]*[A-Za-z0-9])?$/, 'must be a tag (letters, digits, . _ - /)');
const tags = z.array(tag).max(50);
const word = (max: number) => z.string().min(1).max(max);

export const ignoreRuleSchema = z
  .strictObject({
    name: word(63).optional(),
    paths: z.array(word(256)).max(50).optional(),
    selector: z.strictObject({ allOf: tags.optional(), anyOf: tags.optional(), noneOf: tags.optional() }).optional(),
    match: z
      .strictObject({
        group: z.string().max(253).optional(),
        kind: word(63).optional(),
        namespace: word(63).optional(),
        name: word(253).optional(),
      })
      .optional(),
    fields: z
      .array(
        word(512).refine(
          (p) => parsePointer(p) !== undefined,
          'must be a JSON pointer (RFC 6901) starting with "/", without __proto__, constructor or prototype',
        ),
      )
      .max(50)
      .optional(),
    managers: z.array(word(128)).max(50).optional(),
  })
  .refine((r) => (r.fields?.length ?? 0) + (r.managers?.length ?? 0) > 0, 'an ignore rule needs fields or managers');

export type ParsedIgnoreRule = z.infer<typeof ignoreRuleSchema>;

export function toFleetIgnoreRule(r: ParsedIgnoreRule): FleetIgnoreRule {
  const match: FleetIgnoreRuleMatch | undefined = r.match && Object.keys(r.match).length ? r.match : undefined;
  return {
    ...(r.name ? { name: r.name } : {}),
    ...(r.paths?.length ? { paths: r.paths } : {}),
    ...(r.selector ? { selector: r.selector } : {}),
    ...(match ? { match } : {}),
    fields: r.fields ?? [],
    managers: r.managers ?? [],
  };
}

function trimPath(p: string): string {
  return p.replace(/^\.\//, '').replace(/^\/+|\/+$/g, '');
}

/** Whether a fleet path matches a glob (`*` within one folder name, `**` across folders). */
export function pathMatches(glob: string, path: string): boolean {
  const re = trimPath(glob)
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`).test(trimPath(path));
}

/** The rules of `rules` that apply to a cluster with this fleet path and these tags, as the agent gets them. */
export function ignoreRulesFor(
  rules: readonly FleetIgnoreRule[] | undefined,
  cluster: { path: string; tags: readonly string[] },
): IgnoreRule[] {
  return (rules ?? [])
    .filter((r) => !r.paths || r.paths.some((g) => pathMatches(g, cluster.path)))
    .filter((r) => !r.selector || matchesSelector(cluster.tags, r.selector))
    .map((r) => ({ ...(r.match ? { match: r.match } : {}), fields: r.fields, managers: r.managers }));
}

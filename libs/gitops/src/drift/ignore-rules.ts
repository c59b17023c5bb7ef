/**
 * Ignore rules for drift — per object, set as annotations in the manifest (below), and per
 * fleet/cluster from fleet.yaml `ignore:` (fleet/ignore-policy.ts), passed in as `rules`:
 * - `flotilla.dev/ignore-fields`: JSON pointers (RFC 6901), comma-separated, e.g.
 *   `/spec/replicas, /metadata/annotations/deployment.kubernetes.io~1revision`. A drifted field at
 *   or under a pointer is not drift. Elements of merge-keyed lists are addressed by their key's
 *   value (`/spec/template/spec/containers/app/image`) or `*` (any element).
 * - `flotilla.dev/ignore-managers`: field managers, comma-separated, e.g. `hpa-controller, cainjector`.
 *   A drifted field the live object says one of them owns is theirs, not drift.
 * Ignored fields are neither reported nor healed; a write for a Git change still sends them.
 */
import type { KubeObject } from '../objects/kube-object.js';
import { UNSAFE_KEYS } from '../yaml/unsafe-keys.js';
import type { FieldDiff } from './diff-object.js';
import type { PathSegment } from './field-path.js';
import { fieldManagersOf } from './managed-fields.js';

export const IGNORE_FIELDS_ANNOTATION = 'flotilla.dev/ignore-fields';
export const IGNORE_MANAGERS_ANNOTATION = 'flotilla.dev/ignore-managers';

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The tokens of a JSON pointer (`~1` → `/`, `~0` → `~`); undefined when it is not one (or names __proto__ & co). */
export function parsePointer(pointer: string): string[] | undefined {
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  return tokens.some((t) => UNSAFE_KEYS.has(t)) ? undefined : tokens;
}

function segmentMatches(seg: PathSegment, token: string): boolean {
  if ('field' in seg) return seg.field === token;
  return token === '*' || Object.values(seg.key).some((v) => String(v) === token);
}

function under(segments: readonly PathSegment[], pointer: readonly string[]): boolean {
  return pointer.length <= segments.length && pointer.every((t, i) => segmentMatches(segments[i]!, t));
}

/** Which objects a fleet-wide rule covers (each field optional; all given must match). */
export interface FleetIgnoreRuleMatch {
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
}

/** A fleet-wide ignore rule as the agent gets it (fleet/ignore-policy.ts resolves them per cluster). */
export interface IgnoreRule {
  match?: FleetIgnoreRuleMatch;
  /** JSON pointers, as in the ignore-fields annotation. */
  fields: string[];
  /** Field managers, as in the ignore-managers annotation. */
  managers: string[];
}

function ruleCovers(rule: IgnoreRule, obj: KubeObject): boolean {
  const m = rule.match;
  if (!m) return true;
  const slash = obj.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : obj.apiVersion.slice(0, slash);
  return (
    (m.group === undefined || m.group === group) &&
    (m.kind === undefined || m.kind === obj.kind) &&
    (m.namespace === undefined || m.namespace === (obj.metadata.namespace ?? '')) &&
    (m.name === undefined || m.name === obj.metadata.name)
  );
}

/**
 * `diffs` without the fields `desired`'s ignore annotations leave to others, and those the fleet's
 * ignore rules (`rules`, from the desired state) leave to others for this object.
 */
export function withoutIgnored<T extends FieldDiff>(
  desired: KubeObject,
  live: KubeObject | undefined,
  diffs: T[],
  rules: readonly IgnoreRule[] = [],
): T[] {
  const annotations = desired.metadata.annotations;
  if (diffs.length === 0 || (!annotations && rules.length === 0)) return diffs;
  const covering = rules.filter((r) => ruleCovers(r, desired));
  const pointers = [...list(annotations?.[IGNORE_FIELDS_ANNOTATION]), ...covering.flatMap((r) => r.fields)]
    .map(parsePointer)
    .filter((p): p is string[] => p !== undefined);
  const managers = new Set([
    ...list(annotations?.[IGNORE_MANAGERS_ANNOTATION]),
    ...covering.flatMap((r) => r.managers),
  ]);
  if (pointers.length === 0 && managers.size === 0) return diffs;
  let out = diffs.filter((d) => d.segments.length === 0 || !pointers.some((p) => under(d.segments, p)));
  if (managers.size > 0 && live && out.length > 0) {
    const owners = fieldManagersOf(live, out);
    out = out.filter((_, i) => !owners[i]!.owners.some((o) => managers.has(o.manager)));
  }
  return out;
}

/**
 * fleet.yaml, the rollout policy at the root of the fleet repository: ordered waves (a tag
 * selector or `rest`), each with maxParallel, healthTimeout and soak, and what to do on failure.
 * Parsed with `yaml` v2 (alias limit, size cap) and validated with zod; any problem throws a
 * FleetPolicyError naming the file, the line and the reason. No fleet.yaml → one wave of all.
 */
import { z } from 'zod';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import type { RepoTree } from '../tree/repo-tree.js';
import { DEFAULT_YAML_LIMITS, checkFileSize, decodeUtf8 } from '../yaml/parse-manifests.js';
import { RenderError } from '../errors/render-error.js';
import { parseDuration } from './duration.js';
import type { TagSelector } from './tag-selector.js';
import { ignoreRuleSchema, toFleetIgnoreRule, type FleetIgnoreRule } from './ignore-policy.js';

export const FLEET_POLICY_FILE = 'fleet.yaml';

export const OnFailure = { Rollback: 'rollback', Pause: 'pause' } as const;
export type OnFailure = (typeof OnFailure)[keyof typeof OnFailure];

/** At most `count` clusters, or `percent` % of the wave (rounded up, at least one), update at once. */
export type MaxParallel = { count: number } | { percent: number };

export interface WavePolicy {
  name: string;
  /** Undefined for the `rest` wave. */
  selector?: TagSelector;
  rest: boolean;
  maxParallel: MaxParallel;
  healthTimeoutMs: number;
  soakMs: number;
}

export interface FleetPolicy {
  waves: WavePolicy[];
  onFailure: OnFailure;
  /** 'default' when the repository has no fleet.yaml. */
  source: 'file' | 'default';
  /** Fields that belong to other writers, per fleet path and/or cluster tag (ignore-policy.ts). */
  ignore?: FleetIgnoreRule[];
}

export const DEFAULT_HEALTH_TIMEOUT_MS = 10 * 60_000;
/** Without fleet.yaml nothing is committed on the user's behalf: a failed wave pauses. */
export const DEFAULT_ON_FAILURE: OnFailure = OnFailure.Pause;

export class FleetPolicyError extends Error {
  override readonly name = 'FleetPolicyError';
  readonly code = 'INVALID_FLEET_POLICY';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${reason}`);
  }
  toJSON(): { code: string; data: { file: string; line?: number; reason: string }; message: string } {
    return {
      code: this.code,
      data: { file: this.file, ...(this.line ? { line: this.line } : {}), reason: this.reason },
      message: this.message,
    };
  }
}

const tag = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._\-/]*[A-Za-z0-9])?$/, 'must be a tag (letters, digits, . _ - /)');
const tags = z.array(tag).max(50);
const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined)
    ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration (e.g. 30s, 5m, 1h30m)` });
  return ms ?? 0;
});
const maxParallel = z.union([z.number(), z.string()]).transform((v, ctx): MaxParallel => {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return { count: v };
  const m = typeof v === 'string' ? /^(\d{1,3})%$/.exec(v) : null;
  const percent = m ? Number(m[1]) : 0;
  if (percent >= 1 && percent <= 100) return { percent };
  ctx.addIssue({
    code: 'custom',
    message: `maxParallel must be a whole number ≥ 1 or a percentage "1%".."100%", got ${JSON.stringify(v)}`,
  });
  return { count: 1 };
});
const selector = z
  .strictObject({ allOf: tags.optional(), anyOf: tags.optional(), noneOf: tags.optional() })
  .refine(
    (s) => s.allOf?.length || s.anyOf?.length || s.noneOf?.length,
    'selector needs at least one of allOf, anyOf, noneOf',
  );
const wave = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'must be lower-case letters, digits and dashes'),
    selector: selector.optional(),
    rest: z.literal(true).optional(),
    maxParallel: maxParallel.optional(),
    healthTimeout: duration.optional(),
    soak: duration.optional(),
  })
  .refine(
    (w) => (w.selector ? !w.rest : w.rest),
    'a wave has either a selector or `rest: true`, not both and not neither',
  );
const policy = z.strictObject({
  apiVersion: z.literal('flotilla.dev/v1').optional(),
  kind: z.literal('FleetPolicy').optional(),
  onFailure: z.enum([OnFailure.Rollback, OnFailure.Pause]).optional(),
  healthTimeout: duration.optional(),
  soak: duration.optional(),
  /** Absent: the default single wave (a fleet.yaml may hold only ignore rules). */
  waves: z.array(wave).min(1, 'waves must list at least one wave').max(50).optional(),
  ignore: z.array(ignoreRuleSchema).max(100).optional(),
});

/** The policy used when the repository has no fleet.yaml: one wave of all affected clusters. */
export function defaultFleetPolicy(): FleetPolicy {
  return {
    source: 'default',
    onFailure: DEFAULT_ON_FAILURE,
    waves: [
      { name: 'all', rest: true, maxParallel: { percent: 100 }, healthTimeoutMs: DEFAULT_HEALTH_TIMEOUT_MS, soakMs: 0 },
    ],
  };
}

function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

function crossChecks(
  waves: readonly { name: string; rest?: boolean }[],
): { index: number; field: string; reason: string } | undefined {
  const seen = new Set<string>();
  let rest = -1;
  for (const [index, w] of waves.entries()) {
    if (seen.has(w.name)) return { index, field: 'name', reason: `wave name "${w.name}" is used twice` };
    seen.add(w.name);
    if (w.rest && rest >= 0)
      return { index, field: 'rest', reason: `only one wave may be \`rest\` (also "${waves[rest]?.name}")` };
    if (w.rest) rest = index;
  }
  return undefined;
}

/** Parses and validates fleet.yaml content; throws FleetPolicyError(file, line, reason). */
export function parseFleetPolicy(bytes: Uint8Array, file = FLEET_POLICY_FILE): FleetPolicy {
  let text: string;
  try {
    checkFileSize(file, bytes.byteLength, { ...DEFAULT_YAML_LIMITS, maxFileBytes: 256 * 1024 });
    text = decodeUtf8(file, bytes);
  } catch (e) {
    throw new FleetPolicyError(file, undefined, (e as RenderError).reason);
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError)
    throw new FleetPolicyError(
      file,
      counter.linePos(yamlError.pos[0]).line,
      `invalid YAML: ${yamlError.message.split('\n')[0]}`,
    );
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: DEFAULT_YAML_LIMITS.maxAliasCount });
  } catch (e) {
    throw new FleetPolicyError(file, undefined, `invalid YAML: ${(e as Error).message}`);
  }
  const parsed = policy.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new FleetPolicyError(file, lineOf(doc, counter, issue.path), `${where}${issue.message}`);
  }
  const bad = crossChecks(parsed.data.waves ?? []);
  if (bad)
    throw new FleetPolicyError(
      file,
      lineOf(doc, counter, ['waves', bad.index, bad.field]),
      `waves.${bad.index}.${bad.field}: ${bad.reason}`,
    );
  const p = parsed.data;
  const ignore = (p.ignore ?? []).map(toFleetIgnoreRule);
  if (!p.waves) {
    const d = defaultFleetPolicy();
    return {
      source: 'file',
      onFailure: p.onFailure ?? d.onFailure,
      waves: d.waves.map((w) => ({ ...w, healthTimeoutMs: p.healthTimeout ?? w.healthTimeoutMs, soakMs: p.soak ?? 0 })),
      ignore,
    };
  }
  return {
    source: 'file',
    onFailure: p.onFailure ?? DEFAULT_ON_FAILURE,
    ignore,
    waves: p.waves.map((w) => ({
      name: w.name,
      ...(w.selector ? { selector: w.selector } : {}),
      rest: w.rest === true,
      maxParallel: w.maxParallel ?? { percent: 100 },
      healthTimeoutMs: w.healthTimeout ?? p.healthTimeout ?? DEFAULT_HEALTH_TIMEOUT_MS,
      soakMs: w.soak ?? p.soak ?? 0,
    })),
  };
}

/** Reads fleet.yaml from the root of a commit's tree; the default policy when there is none. */
export async function loadFleetPolicy(tree: RepoTree): Promise<FleetPolicy> {
  const entry = await tree.entry(FLEET_POLICY_FILE);
  if (!entry) return defaultFleetPolicy();
  if (entry.type !== 'file')
    throw new FleetPolicyError(FLEET_POLICY_FILE, undefined, `must be a regular file, found a ${entry.type}`);
  return parseFleetPolicy(await tree.readFile(FLEET_POLICY_FILE));
}

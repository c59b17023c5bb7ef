// Query parameters a real API server understands, validated the way it does: a bad value
// is a 400 naming the parameter. Parameters it does not know are ignored, as a real server does.
import { errors } from '../errors.js';

export interface Query {
  watch: boolean;
  resourceVersion?: string;
  limit?: number;
  continue?: string;
  labelSelector: string | null;
  fieldSelector: string | null;
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean;
  dryRun: boolean;
  fieldManager?: string;
  force: boolean;
  fieldValidation: 'Ignore' | 'Warn' | 'Strict';
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  includeObject?: 'None' | 'Metadata' | 'Object';
}

function bool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '') return false;
  if (['true', '1', 'True', 'TRUE'].includes(v)) return true;
  if (['false', '0', 'False', 'FALSE'].includes(v)) return false;
  throw errors.badRequest(`invalid value for ${name}: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

function int(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v))
    throw errors.badRequest(`invalid value for ${name}: strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

function oneOf<T extends string>(q: URLSearchParams, name: string, allowed: readonly T[]): T | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!allowed.includes(v as T))
    throw errors.badRequest(`invalid ${name} "${v}": must be one of ${allowed.join(', ')}`);
  return v as T;
}

export function parseQuery(q: URLSearchParams): Query {
  const limit = int(q, 'limit');
  if (limit !== undefined && limit < 0)
    throw errors.badRequest(`invalid value for limit: must be non-negative, got ${limit}`);
  const dryRun = q.getAll('dryRun');
  for (const d of dryRun)
    if (d !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  const fieldManager = q.get('fieldManager') ?? undefined;
  if (fieldManager !== undefined && fieldManager.length > 128)
    throw errors.badRequest('fieldManager: Too long: may not be longer than 128');
  const fv = q.get('fieldValidation');
  const fieldValidation =
    fv === null || fv === '' ? 'Warn' : oneOf(q, 'fieldValidation', ['Ignore', 'Warn', 'Strict'] as const)!;
  return {
    watch: bool(q, 'watch'),
    resourceVersion: q.get('resourceVersion') ?? undefined,
    limit,
    continue: q.get('continue') || undefined,
    labelSelector: q.get('labelSelector'),
    fieldSelector: q.get('fieldSelector'),
    timeoutSeconds: int(q, 'timeoutSeconds'),
    allowWatchBookmarks: bool(q, 'allowWatchBookmarks'),
    sendInitialEvents: bool(q, 'sendInitialEvents'),
    dryRun: dryRun.length > 0,
    fieldManager,
    force: bool(q, 'force'),
    fieldValidation,
    propagationPolicy: oneOf(q, 'propagationPolicy', ['Foreground', 'Background', 'Orphan'] as const),
    includeObject: oneOf(q, 'includeObject', ['None', 'Metadata', 'Object'] as const),
  };
}

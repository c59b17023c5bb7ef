/**
 * Flag and argument parsing for one command (node:util parseArgs, strict): every unknown flag,
 * missing value or wrong positional count is a usage error naming what was wrong.
 */
import { parseArgs } from 'node:util';
import { usageError } from './errors.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  help: string;
  multiple?: boolean;
  short?: string;
  required?: boolean;
  /** Placeholder shown in help, e.g. NAME. */
  value?: string;
}
export type FlagSpecs = Record<string, FlagSpec>;

export interface PositionalSpec {
  name: string;
  help: string;
  required?: boolean;
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Flags every command accepts. */
export const COMMON_FLAGS: FlagSpecs = {
  server: { type: 'string', value: 'URL', help: 'control plane URL (else $FLOTILLA_SERVER, else the login config)' },
  token: { type: 'string', value: 'TOKEN', help: 'API token (else $FLOTILLA_TOKEN, else the login config)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export function parseCommandArgs(argv: string[], flags: FlagSpecs, positionals: PositionalSpec[]): ParsedArgs {
  const all = { ...COMMON_FLAGS, ...flags };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(all).map(([name, f]) => [
          name,
          { type: f.type, ...(f.multiple ? { multiple: true } : {}), ...(f.short ? { short: f.short } : {}) },
        ]),
      ),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw usageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const values = parsed.values as ParsedArgs['flags'];
  if (values['help'] === true) return { flags: values, positionals: parsed.positionals };
  for (const [name, f] of Object.entries(flags)) {
    if (f.required && values[name] === undefined) throw usageError(`missing required flag --${name}`);
    if (f.type === 'string' && typeof values[name] === 'string' && values[name] === '')
      throw usageError(`--${name} must not be empty`);
  }
  const required = positionals.filter((p) => p.required).length;
  if (parsed.positionals.length < required) {
    throw usageError(`missing argument ${positionals[parsed.positionals.length]!.name}`);
  }
  if (parsed.positionals.length > positionals.length) {
    throw usageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals.length])}`);
  }
  return { flags: values, positionals: parsed.positionals };
}

/** A positive integer flag, or the default when absent. */
export function intFlag(
  args: ParsedArgs,
  name: string,
  { min, max, fallback }: { min: number; max: number; fallback: number },
): number {
  const raw = args.flags[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw usageError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function listFlag(args: ParsedArgs, name: string): string[] {
  const v = args.flags[name];
  if (!Array.isArray(v)) return [];
  return v
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** "90", "90s", "15m", "12h", "7d", "2w" → seconds. */
export function parseDuration(flag: string, raw: string): number {
  const m = /^(\d+)([smhdw]?)$/.exec(raw.trim());
  if (!m) throw usageError(`--${flag} must be a duration like 3600, 30m, 12h or 7d, got ${JSON.stringify(raw)}`);
  return Number(m[1]) * UNIT_SECONDS[m[2] || 's']!;
}

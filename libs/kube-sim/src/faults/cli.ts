// The fault flags of the kube-sim CLI (cli.ts): their parseArgs options, and the FaultSettings
// they make. A bad value is an error naming the flag.
export type { FaultSettings } from './settings.js';
import { checkFaults, type FaultSettings, type Rate, VERBS, type Verb } from './settings.js';

export const FAULT_OPTIONS = {
  throttle: { type: 'string' },
  'retry-after': { type: 'string' },
  'throttle-body': { type: 'string' },
  'server-errors': { type: 'string' },
  'server-error-code': { type: 'string' },
  resets: { type: 'string' },
  'write-latency': { type: 'string' },
  'list-latency': { type: 'string' },
  'continue-ttl': { type: 'string' },
  'expire-continue': { type: 'string' },
  'black-hole': { type: 'boolean', default: false },
} as const;

export const FAULT_USAGE =
  '[--throttle RATE] [--retry-after S] [--throttle-body text|status] [--server-errors RATE] [--server-error-code 500|503|504] [--resets RATE] [--write-latency 5ms] [--list-latency 5ms] [--continue-ttl 30s] [--expire-continue F] [--black-hole]';

/** `0.05` (every verb) or `apply=0.05,list=0.1` (per verb). */
export function parseRate(flag: string, v: string): Rate {
  if (!v.includes('=')) return fraction(flag, v);
  const out: Partial<Record<Verb, number>> = {};
  for (const part of v.split(',')) {
    const [verb, f, extra] = part.split('=');
    if (!verb || f === undefined || extra !== undefined || !(VERBS as readonly string[]).includes(verb))
      throw new RangeError(
        `--${flag}: expected a fraction or verb=fraction,… (verbs: ${VERBS.join(', ')}), got "${v}"`,
      );
    out[verb as Verb] = fraction(flag, f);
  }
  return out;
}

function fraction(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !(n >= 0 && n <= 1))
    throw new RangeError(`--${flag}: expected a fraction from 0 to 1, got "${v}"`);
  return n;
}

/** `5ms`, `2s`, `1m` or a bare number of milliseconds. */
export function parseDuration(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new RangeError(`--${flag}: expected a duration such as 5ms, 2s or 1m, got "${v}"`);
  const n = Number(m[1]);
  return m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n;
}

function int(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new RangeError(`--${flag}: expected a whole number, got "${v}"`);
  return Number(v);
}

export type FaultFlags = {
  [K in keyof typeof FAULT_OPTIONS]?: (typeof FAULT_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

/** The FaultSettings the flags ask for (checked); throws a RangeError naming a bad flag. */
export function faultsFromFlags(f: FaultFlags): FaultSettings {
  const s: FaultSettings = {};
  if (f.throttle !== undefined) s.throttle = parseRate('throttle', f.throttle);
  if (f['retry-after'] !== undefined) s.retryAfterSeconds = int('retry-after', f['retry-after']);
  if (f['throttle-body'] !== undefined) s.throttleBody = f['throttle-body'] as FaultSettings['throttleBody'];
  if (f['server-errors'] !== undefined) s.serverErrors = parseRate('server-errors', f['server-errors']);
  if (f['server-error-code'] !== undefined)
    s.serverErrorCode = int('server-error-code', f['server-error-code']) as FaultSettings['serverErrorCode'];
  if (f.resets !== undefined) s.resets = parseRate('resets', f.resets);
  if (f['write-latency'] !== undefined) s.writeLatencyMs = parseDuration('write-latency', f['write-latency']);
  if (f['list-latency'] !== undefined) s.listLatencyMs = parseDuration('list-latency', f['list-latency']);
  if (f['continue-ttl'] !== undefined) s.continueTtlMs = parseDuration('continue-ttl', f['continue-ttl']);
  if (f['expire-continue'] !== undefined) s.expireContinue = fraction('expire-continue', f['expire-continue']);
  return checkFaults(s);
}

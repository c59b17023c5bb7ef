// The CLI flags of the fault modes (rotating token, watch closes and 410s, discovery failures),
// turned into startKubeSim options; a bad value throws naming the flag.
import type { KubeSimOptions } from './server.js';
import { discoveryFaultsCheck } from './discovery-faults.js';
import { watchFaults, type WatchCloseWith, type WatchGoneAs } from './watch-faults.js';

export interface FaultFlags {
  'token-file'?: string;
  'token-rotate-seconds'?: string;
  'watch-close-after-ms'?: string;
  'watch-close-with'?: string;
  'watch-gone-as'?: string;
  'unavailable-api'?: string[];
  'crd-serve-delay-ms'?: string;
}

function whole(flag: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max || value.trim() === '')
    throw new RangeError(`--${flag} must be a whole number from 0 to ${max}, got "${value}"`);
  return n;
}

export function faultOptions(f: FaultFlags): Pick<KubeSimOptions, 'rotateToken' | 'watchFaults' | 'discoveryFaults'> {
  const out: Pick<KubeSimOptions, 'rotateToken' | 'watchFaults' | 'discoveryFaults'> = {};
  const seconds = Number(f['token-rotate-seconds'] ?? '0');
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 86_400)
    throw new RangeError(`--token-rotate-seconds must be from 0 to 86400, got "${f['token-rotate-seconds']}"`);
  if (f['token-rotate-seconds'] !== undefined && !f['token-file'])
    throw new RangeError('--token-rotate-seconds needs --token-file, the file the token is written to');
  if (f['token-file']) out.rotateToken = { file: f['token-file'], everyMs: Math.round(seconds * 1000) };
  const closeAfterMs = whole('watch-close-after-ms', f['watch-close-after-ms'], 3_600_000);
  out.watchFaults = watchFaults({
    ...(closeAfterMs !== undefined ? { closeAfterMs } : {}),
    ...(f['watch-close-with'] ? { closeWith: f['watch-close-with'] as WatchCloseWith } : {}),
    ...(f['watch-gone-as'] ? { goneAs: f['watch-gone-as'] as WatchGoneAs } : {}),
  });
  const crdServeDelayMs = whole('crd-serve-delay-ms', f['crd-serve-delay-ms'], 600_000);
  out.discoveryFaults = discoveryFaultsCheck({
    unavailable: f['unavailable-api'] ?? [],
    ...(crdServeDelayMs !== undefined ? { crdServeDelayMs } : {}),
  });
  return out;
}

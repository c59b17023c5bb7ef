// `--writer NAME[=INTERVAL_MS]` (repeatable) and `--writers-time-scale N` of the kube-sim CLI.
import { WRITER_NAMES, type WriterName, type WritersOptions } from './writer.js';

export function parseWriterFlags(flags: readonly string[], timeScale: string): WritersOptions {
  const scale = Number(timeScale);
  if (!(Number.isFinite(scale) && scale > 0 && scale <= 10_000))
    throw new Error(`--writers-time-scale must be a number above 0 and at most 10000, got "${timeScale}"`);
  const out: WritersOptions = { timeScale: scale };
  for (const flag of flags) {
    const [name, interval, extra] = flag.split('=');
    if (!WRITER_NAMES.includes(name as WriterName) || extra !== undefined)
      throw new Error(`--writer takes one of ${WRITER_NAMES.join(', ')}, optionally =INTERVAL_MS, got "${flag}"`);
    const ms = interval === undefined ? undefined : Number(interval);
    if (ms !== undefined && !(Number.isInteger(ms) && ms > 0))
      throw new Error(`--writer ${name}: the interval must be a whole number of ms above 0, got "${interval}"`);
    out[name as WriterName] = ms === undefined ? true : { intervalMs: ms };
  }
  return out;
}

/**
 * Counts the nesting depth of a JSON text as its bytes arrive, without parsing it, so a body
 * nested deeper than allowed is refused after reading only as far as that depth. Brackets
 * inside strings do not count. UTF-8 is safe to scan byte by byte: every byte of a multi-byte
 * character is 0x80 or above, never a bracket, quote or backslash.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x7b, 0x5b]);
const CLOSERS = new Set([0x7d, 0x5d]);

export class JsonDepthScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(readonly maxDepth: number) {}

  /** Scans the next bytes; false as soon as the nesting goes deeper than maxDepth. */
  feed(chunk: Uint8Array): boolean {
    for (const byte of chunk) {
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
      } else if (byte === QUOTE) this.inString = true;
      else if (OPENERS.has(byte)) {
        if (++this.depth > this.maxDepth) return false;
      } else if (CLOSERS.has(byte)) this.depth--;
    }
    return true;
  }
}

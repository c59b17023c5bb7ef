/**
 * An optional, caller-owned memo of parsed YAML keyed by the file's content hash, so a re-render
 * of a new commit only parses the files that changed. Pure: no I/O, bounded size (oldest out).
 * Values come back as deep copies, so callers may mutate them.
 */
import { createHash } from 'node:crypto';
import { deepCopy } from './deep-copy.js';

export class ParseCache {
  private readonly entries = new Map<string, unknown[]>();
  hits = 0;
  misses = 0;

  constructor(readonly maxEntries = 20_000) {}

  static keyOf(bytes: Uint8Array, limitsKey: string): string {
    return `${limitsKey}:${createHash('sha256').update(bytes).digest('base64')}`;
  }

  get(key: string): unknown[] | undefined {
    const docs = this.entries.get(key);
    if (docs === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, docs);
    return deepCopy(docs);
  }

  set(key: string, docs: unknown[]): void {
    this.entries.set(key, deepCopy(docs));
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

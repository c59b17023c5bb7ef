// Watch expiry as real API servers do it, switchable per test: the server ends every watch after a
// while (its own timeout, an apiserver restart, a load balancer's idle limit) with or without a
// final BOOKMARK, or with an ERROR event carrying a 410 Expired Status (the watch cache moved on:
// the client must list again); and a watch from a compacted resourceVersion refused either by that
// ERROR event in a 200 stream (the watch cache's way) or by an HTTP 410 with the same Status.

/** How the server ends a watch it closes (`closeAfterMs`). */
export const WatchCloseWith = {
  /** The stream just ends. */
  End: 'end',
  /** A BOOKMARK at the current resourceVersion first, when the client asked for bookmarks. */
  Bookmark: 'bookmark',
  /** An ERROR event (Status 410, reason Expired), then the end: the client must relist. */
  Gone: 'gone',
} as const;
export type WatchCloseWith = (typeof WatchCloseWith)[keyof typeof WatchCloseWith];

/** How a watch from a compacted resourceVersion is refused. */
export const WatchGoneAs = {
  /** HTTP 200, then one ERROR event with the 410 Status (the watch cache; default). */
  Event: 'event',
  /** HTTP 410 with the Status as the body. */
  Status: 'status',
} as const;
export type WatchGoneAs = (typeof WatchGoneAs)[keyof typeof WatchGoneAs];

export interface WatchFaults {
  /** The server ends each watch this many ms after it opened (0: only the client's timeoutSeconds). */
  closeAfterMs: number;
  closeWith: WatchCloseWith;
  goneAs: WatchGoneAs;
}

export const NO_WATCH_FAULTS: WatchFaults = { closeAfterMs: 0, closeWith: 'end', goneAs: 'event' };

/** Checks and completes a partial setting (options, CLI, setWatchFaults). */
export function watchFaults(partial: Partial<WatchFaults> = {}, base: WatchFaults = NO_WATCH_FAULTS): WatchFaults {
  const out = { ...base, ...partial };
  if (!Number.isInteger(out.closeAfterMs) || out.closeAfterMs < 0 || out.closeAfterMs > 3_600_000)
    throw new RangeError(`watch closeAfterMs must be a whole number of ms from 0 to 3600000, got ${out.closeAfterMs}`);
  if (!Object.values(WatchCloseWith).includes(out.closeWith))
    throw new RangeError(
      `watch closeWith must be one of ${Object.values(WatchCloseWith).join(', ')}, got ${String(out.closeWith)}`,
    );
  if (!Object.values(WatchGoneAs).includes(out.goneAs))
    throw new RangeError(
      `watch goneAs must be one of ${Object.values(WatchGoneAs).join(', ')}, got ${String(out.goneAs)}`,
    );
  return out;
}

/** The Status a real server sends for a resourceVersion its watch cache no longer holds. */
export function expiredStatus(message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Expired', code: 410 };
}

export function errorEventLine(status: Record<string, unknown>): string {
  return `${JSON.stringify({ type: 'ERROR', object: status })}\n`;
}

export interface ClosingWatch {
  /** The client asked for bookmarks (allowWatchBookmarks). */
  bookmarks: boolean;
  /** Writes a BOOKMARK at the store's current resourceVersion. */
  bookmark(): void;
  write(line: string): void;
  end(): void;
}

/** Arms the server-side close of one watch; returns its timer (cleared with the watch) or undefined. */
export function armClose(faults: WatchFaults, w: ClosingWatch): NodeJS.Timeout | undefined {
  if (faults.closeAfterMs <= 0) return undefined;
  const { closeWith } = faults;
  return setTimeout(() => {
    if (closeWith === WatchCloseWith.Bookmark && w.bookmarks) w.bookmark();
    if (closeWith === WatchCloseWith.Gone)
      w.write(errorEventLine(expiredStatus('The resourceVersion for the provided watch is too old.')));
    w.end();
  }, faults.closeAfterMs);
}
